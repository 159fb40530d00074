import type { GatewayApiResources } from '../adapters/kube/gateway-api-discovery.js';
import { gatewayView, listenerSetView, referenceGrantView } from '../adapters/kube/gateway-views.js';
import type { KubeClient } from '../adapters/kube/kube-client.js';
import { kubeListWatcher } from '../adapters/kube/kube-list-watcher.js';
import type {
  GatewayObject,
  ListenerSetObject,
  ObjectMeta,
  ReferenceGrantObject,
} from '../adapters/kube/kube-types.js';
import type { ResourceKind } from '../adapters/kube/resources.js';
import type { GatewaySources } from '../domain/gateway-types.js';
import { listenerSecretKeys } from '../domain/listener-secret-keys.js';
import type { SecretKey } from '../domain/types.js';
import type { Log } from '../ports/log.js';
import { Informer } from '../runtime/informer.js';

/** The Gateway API caches: Gateways, and ListenerSets and ReferenceGrants when the cluster serves them. */
export interface GatewayWatches {
  readonly informers: readonly Informer<{ readonly metadata?: ObjectMeta }>[];
  readonly gateways: Informer<GatewayObject>;
  readonly listenerSets: Informer<ListenerSetObject> | undefined;
  /** The cached objects as the core reads them. */
  sources(): GatewaySources;
}

export interface GatewayWatchOptions {
  readonly client: KubeClient;
  /** Empty: all namespaces. */
  readonly namespace: string;
  readonly resources: GatewayApiResources;
  readonly queue: { add(key: string): void };
  /** Any change makes the desired state stale (Gateways are few; no finer filter is worth it). */
  readonly onChange: () => void;
  readonly synced: () => boolean;
  readonly log: Log;
}

/**
 * Drops server-side apply bookkeeping and the status from the caches; of a Gateway's status only the
 * addresses are kept (the served-certificate check connects to them).
 */
function slim<T extends { readonly metadata?: ObjectMeta; readonly status?: unknown }>(object: T): T {
  const { managedFields: _managed, ...metadata } = object.metadata ?? {};
  const { status, ...rest } = object;
  const addresses =
    status !== null && typeof status === 'object' && 'addresses' in status ? status.addresses : undefined;
  return { ...rest, metadata, ...(addresses === undefined ? {} : { status: { addresses } }) } as T;
}

/**
 * Watches the Gateway API kinds the cluster serves (none when it serves no Gateways): each change
 * makes the desired state stale and queues the Secrets the changed object's listeners name, before and
 * after; a Gateway's change also queues those of its ListenerSets (its HTTP listeners route their
 * challenges), a ReferenceGrant's those of every listener naming a Secret in its namespace.
 */
export function watchGateways(options: GatewayWatchOptions): GatewayWatches | undefined {
  const { resources, queue, synced, log } = options;
  const gatewaysKind = resources.gateways;
  if (gatewaysKind === undefined) return undefined;
  const informer = <T extends { readonly metadata?: ObjectMeta }>(
    name: string,
    resource: ResourceKind,
    keys: (current: T | undefined, previous: T | undefined) => SecretKey[],
  ): Informer<T> =>
    new Informer<T>({
      name,
      source: kubeListWatcher<T>(options.client, {
        resource,
        namespace: options.namespace,
        project: slim,
      }),
      onChange: (_key, current, previous) => {
        options.onChange();
        if (!synced()) return;
        for (const key of new Set(keys(current, previous))) queue.add(key);
      },
      onError: (err, retryInMs) => {
        log.warn(`watching ${name} failed, retrying in ${retryInMs} ms: ${String(err)}`);
      },
    });
  let listenerSets: Informer<ListenerSetObject> | undefined;
  let referenceGrants: Informer<ReferenceGrantObject> | undefined;
  const setsOf = (gateway: GatewayObject | undefined): ListenerSetObject[] => {
    if (gateway === undefined) return [];
    const view = gatewayView(gateway);
    return (listenerSets?.list() ?? []).filter((set) => {
      const parent = listenerSetView(set).parentRef;
      return parent.namespace === view.namespace && parent.name === view.name;
    });
  };
  const gateways = informer<GatewayObject>('gateways', gatewaysKind, (current, previous) =>
    [current, previous].flatMap((g) => [
      ...listenerSecretKeys(g === undefined ? undefined : gatewayView(g)),
      ...setsOf(g).flatMap((set) => listenerSecretKeys(listenerSetView(set))),
    ]),
  );
  if (resources.listenerSets !== undefined) {
    listenerSets = informer<ListenerSetObject>('listenersets', resources.listenerSets, (current, previous) =>
      [current, previous].flatMap((s) =>
        listenerSecretKeys(s === undefined ? undefined : listenerSetView(s)),
      ),
    );
  }
  if (resources.referenceGrants !== undefined) {
    referenceGrants = informer<ReferenceGrantObject>(
      'referencegrants',
      resources.referenceGrants,
      (current, previous) => {
        const namespaces = new Set([current?.metadata?.namespace, previous?.metadata?.namespace]);
        const all = [
          ...gateways.list().map((g) => listenerSecretKeys(gatewayView(g))),
          ...(listenerSets?.list() ?? []).map((s) => listenerSecretKeys(listenerSetView(s))),
        ].flat();
        return all.filter((key) => namespaces.has(key.slice(0, key.indexOf('/'))));
      },
    );
  }
  const informers = [gateways, listenerSets, referenceGrants].filter((i) => i !== undefined);
  return {
    informers,
    gateways,
    listenerSets,
    sources: () => ({
      gateways: gateways.list().map(gatewayView),
      listenerSets: (listenerSets?.list() ?? []).map(listenerSetView),
      referenceGrants: (referenceGrants?.list() ?? []).map(referenceGrantView),
    }),
  };
}
