// The reads (and the one write) of `kube-lego status`, `explain` and `renew`, with the user's credentials: the
// Ingresses of a namespace (or of all), the Secrets they name, the Events on an Ingress, and the renewal
// request. A 403 becomes a MissingPermissionError naming the verb and resource the user lacks.
import { ANNOTATIONS, formatTime } from '../../domain/secret-annotations.js';
import type { IngressView, SecretSnapshot } from '../../domain/types.js';
import { secretSnapshot } from './secret-snapshot.js';
import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
import { inspectCertificate } from '../../x509/inspect-certificate.js';
import { ingressView } from './ingress-view.js';
import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import type {
  GatewayObject,
  IngressObject,
  ListenerSetObject,
  ObjectMeta,
  ReferenceGrantObject,
  SecretObject,
} from './kube-types.js';
import { NO_GATEWAY_SOURCES, type GatewaySources } from '../../domain/gateway-types.js';
import { discoverGatewayApi } from './gateway-api-discovery.js';
import { gatewayView, listenerSetView, referenceGrantView } from './gateway-views.js';
import { collectionPath, EVENTS, INGRESSES, objectPath, SECRETS, type ResourceKind } from './resources.js';

/** What a command needed and was refused: the RBAC rule that would allow it. */
export interface Permission {
  readonly verb: 'get' | 'list' | 'patch' | 'update' | 'delete';
  readonly resource: ResourceKind;
  /** Undefined: across all namespaces. */
  readonly namespace: string | undefined;
}

/** The API server refused a request with 403: the message names the permission to grant. */
export class MissingPermissionError extends KubeLegoError {
  override readonly name = 'MissingPermissionError';
  readonly code = 'missingPermission';
  readonly permission: Permission;

  constructor(permission: Permission, cause: unknown) {
    const group = permission.resource.apiPath.startsWith('/apis/')
      ? permission.resource.apiPath.split('/')[2]
      : undefined;
    const resource =
      group === undefined ? permission.resource.plural : `${permission.resource.plural}.${group}`;
    const scope =
      permission.namespace === undefined ? 'in all namespaces' : `in namespace "${permission.namespace}"`;
    const server = cause instanceof Error ? cause.message : String(cause);
    super(
      `Missing permission: ${permission.verb} ${resource} ${scope}; ask for a Role (or ClusterRole) granting "${permission.verb}" on "${resource}" (the API server answered: ${server})`,
      { cause },
    );
    this.permission = permission;
  }

  /** The user's RBAC must change first. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** One Event recorded on an object, as `explain` lists it. */
export interface RecordedEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** The last time it happened (`lastTimestamp`, else `eventTime`, else the creation time). */
  readonly lastMs: number | undefined;
  /** Name of the Secret it is about (its `related` object), when it names one. */
  readonly secret: string | undefined;
}

/** A Secret read for `status`: the core's snapshot plus what only a person reads (the serial). */
export interface InventorySecret {
  readonly snapshot: SecretSnapshot;
  /** Serial number of the certificate in tls.crt (lower-case hex), when it parses. */
  readonly serialHex: string | undefined;
  readonly resourceVersion: string | undefined;
}

interface ListBody<T> {
  readonly items?: readonly T[];
  readonly metadata?: { readonly continue?: string };
}

interface EventObject {
  readonly metadata?: ObjectMeta & { readonly creationTimestamp?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly firstTimestamp?: string;
  readonly involvedObject?: { readonly namespace?: string; readonly name?: string };
  readonly related?: { readonly kind?: string; readonly name?: string };
}

function serialOf(secret: SecretObject): string | undefined {
  const crt = secret.data?.['tls.crt'];
  if (crt === undefined || crt === '') return undefined;
  try {
    return inspectCertificate(Buffer.from(crt, 'base64').toString('utf8')).serialHex;
  } catch {
    return undefined;
  }
}

function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function recordedEvent(event: EventObject): RecordedEvent {
  return {
    type: event.type ?? '',
    reason: event.reason ?? '',
    message: event.message ?? '',
    count: event.count ?? 1,
    lastMs:
      timeOf(event.lastTimestamp) ??
      timeOf(event.eventTime) ??
      timeOf(event.firstTimestamp) ??
      timeOf(event.metadata?.creationTimestamp),
    secret: event.related?.kind === SECRETS.kind ? event.related.name : undefined,
  };
}

function oldestFirst(a: RecordedEvent, b: RecordedEvent): number {
  return (a.lastMs ?? 0) - (b.lastMs ?? 0);
}

/** Reads certificates' state from the cluster with the caller's credentials. */
export class CertificateInventory {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  async #request<T>(permission: Permission, request: Parameters<KubeClient['request']>[0]): Promise<T> {
    try {
      return (await this.#client.request(request)) as T;
    } catch (err) {
      if (isKubeError(err, 'forbidden')) throw new MissingPermissionError(permission, err);
      throw err;
    }
  }

  /** Every object of `resource` in `namespace` (all namespaces when undefined), page by page. */
  async #list<T>(
    resource: ResourceKind,
    namespace: string | undefined,
    query: Readonly<Record<string, string>> = {},
  ): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined;
    do {
      const body = await this.#request<ListBody<T>>(
        { verb: 'list', resource, namespace },
        {
          method: 'GET',
          path: collectionPath(resource, namespace),
          query: { ...query, limit: '500', continue: next },
        },
      );
      out.push(...(body.items ?? []));
      next = body.metadata?.continue === '' ? undefined : body.metadata?.continue;
    } while (next !== undefined);
    return out;
  }

  /** Every Ingress of `namespace` (all namespaces when undefined), page by page. */
  async ingresses(namespace: string | undefined): Promise<IngressView[]> {
    return (await this.#list<IngressObject>(INGRESSES, namespace)).map(ingressView);
  }

  /**
   * The Gateways, ListenerSets and ReferenceGrants of `namespace` (all when undefined), the kinds the
   * cluster serves; none when it serves no Gateways. ReferenceGrants are read in every namespace: a
   * Gateway's Secret may live in another one. A kind the caller may not list reads as none: someone who
   * may read Ingresses but not Gateways still gets the Ingresses' certificates.
   */
  async gatewaySources(namespace: string | undefined): Promise<GatewaySources> {
    const served = await discoverGatewayApi(this.#client);
    if (served.gateways === undefined) return NO_GATEWAY_SOURCES;
    const readable = async <T>(
      resource: ResourceKind | undefined,
      where: string | undefined,
    ): Promise<T[]> => {
      if (resource === undefined) return [];
      try {
        return await this.#list<T>(resource, where);
      } catch (err) {
        if (err instanceof MissingPermissionError) return [];
        throw err;
      }
    };
    const gateways = await readable<GatewayObject>(served.gateways, namespace);
    if (gateways.length === 0) return NO_GATEWAY_SOURCES;
    const listenerSets = await readable<ListenerSetObject>(served.listenerSets, namespace);
    const referenceGrants = await readable<ReferenceGrantObject>(served.referenceGrants, undefined);
    return {
      gateways: gateways.map(gatewayView),
      listenerSets: listenerSets.map(listenerSetView),
      referenceGrants: referenceGrants.map(referenceGrantView),
    };
  }

  /** The Secret, or undefined when it does not exist. */
  async secret(namespace: string, name: string): Promise<InventorySecret | undefined> {
    let object: SecretObject;
    try {
      object = await this.#request<SecretObject>(
        { verb: 'get', resource: SECRETS, namespace },
        { method: 'GET', path: objectPath(SECRETS, namespace, name) },
      );
    } catch (err) {
      if (isKubeError(err, 'notFound')) return undefined;
      throw err;
    }
    return {
      snapshot: secretSnapshot(object),
      serialHex: serialOf(object),
      resourceVersion: object.metadata?.resourceVersion,
    };
  }

  /**
   * The Events recorded on every Ingress of `namespace` (all namespaces when undefined) in one list request,
   * oldest first, by `namespace/name` of the Ingress.
   */
  async ingressEventsByIngress(namespace: string | undefined): Promise<Map<string, RecordedEvent[]>> {
    const events = await this.#events(namespace, `involvedObject.kind=${INGRESSES.kind}`);
    const byIngress = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const id = `${event.involvedObject?.namespace ?? ''}/${event.involvedObject?.name ?? ''}`;
      byIngress.set(id, [...(byIngress.get(id) ?? []), recordedEvent(event)]);
    }
    for (const list of byIngress.values()) list.sort(oldestFirst);
    return byIngress;
  }

  #events(namespace: string | undefined, fieldSelector: string): Promise<EventObject[]> {
    return this.#list<EventObject>(EVENTS, namespace, { fieldSelector });
  }

  /** Sets `kube-lego/renew-requested` to `nowMs` on the Secret (a merge patch of that one annotation). */
  async requestRenewal(namespace: string, name: string, nowMs: number): Promise<void> {
    await this.#request<unknown>(
      { verb: 'patch', resource: SECRETS, namespace },
      {
        method: 'PATCH',
        path: objectPath(SECRETS, namespace, name),
        query: { fieldManager: 'kube-lego-cli' },
        body: { metadata: { annotations: { [ANNOTATIONS.renewRequested]: formatTime(nowMs) } } },
        contentType: 'application/merge-patch+json',
      },
    );
  }
}
