import type { KubeClient } from '../adapters/kube/kube-client.js';
import { cachedIngress } from '../adapters/kube/cached-ingress.js';
import { cachedSecret } from '../adapters/kube/cached-secret.js';
import { kubeListWatcher } from '../adapters/kube/kube-list-watcher.js';
import type { IngressObject, SecretObject } from '../adapters/kube/kube-types.js';
import { ingressView } from '../adapters/kube/ingress-view.js';
import { INGRESSES, SECRETS } from '../adapters/kube/resources.js';
import { affectsDesired } from '../domain/affects-desired.js';
import { ingressSecretKeys } from '../domain/ingress-secret-keys.js';
import { MANAGED_SELECTOR } from '../domain/secret-annotations.js';
import { Informer } from '../runtime/informer.js';
import type { Log } from '../ports/log.js';

/** The two caches the controller reads: every Ingress, and the Secrets carrying our managed label. */
export interface Watches {
  readonly ingresses: Informer<IngressObject>;
  readonly secrets: Informer<SecretObject>;
}

export interface WatchOptions {
  readonly client: KubeClient;
  /** Empty: all namespaces. */
  readonly namespace: string;
  /** Where changes become work: only keys, never the event type. */
  readonly queue: { add(key: string): void };
  /** An Ingress change that can change the desired state (see affectsDesired) makes it stale. */
  readonly onIngressChange: () => void;
  /** The opt-in annotation (LEGO_KUBE_ANNOTATION). */
  readonly annotationKey: string;
  /** A managed Secret is gone (deleted, or no longer labelled): what is kept per Secret can be dropped. */
  readonly onSecretGone?: (uid: string, key: string) => void;
  /** Before the first sync, the full pass after it covers every key once. */
  readonly synced: () => boolean;
  readonly log: Log;
}

/**
 * Turns informer events into queue keys: an Ingress change queues the Secrets it names before and after
 * the change, a managed Secret change queues its own key.
 */
export function watchSources(options: WatchOptions): Watches {
  const { queue, synced, log } = options;
  const ingresses = new Informer<IngressObject>({
    name: 'ingresses',
    source: kubeListWatcher<IngressObject>(options.client, {
      resource: INGRESSES,
      namespace: options.namespace,
      project: cachedIngress,
    }),
    onChange: (key, current, previous) => {
      const before = previous === undefined ? undefined : ingressView(previous);
      const after = current === undefined ? undefined : ingressView(current);
      if (affectsDesired(before, after, options.annotationKey)) options.onIngressChange();
      log.debug(
        `${current === undefined ? 'DELETE' : previous === undefined ? 'CREATE' : 'UPDATE'} ingress/${key}`,
      );
      if (!synced()) return;
      const keys = [...ingressSecretKeys(before), ...ingressSecretKeys(after)];
      for (const secretKey of new Set(keys)) queue.add(secretKey);
    },
    onError: (err, retryInMs) => {
      log.warn(`watching ingresses failed, retrying in ${retryInMs} ms: ${String(err)}`);
    },
  });
  const secrets = new Informer<SecretObject>({
    name: 'secrets',
    source: kubeListWatcher<SecretObject>(options.client, {
      resource: SECRETS,
      namespace: options.namespace,
      labelSelector: MANAGED_SELECTOR,
      project: cachedSecret,
    }),
    onChange: (key, current, previous) => {
      const goneUid = previous?.metadata?.uid;
      if (goneUid !== undefined && current?.metadata?.uid !== goneUid) options.onSecretGone?.(goneUid, key);
      if (synced()) queue.add(key);
    },
    onError: (err, retryInMs) => {
      log.warn(`watching managed secrets failed, retrying in ${retryInMs} ms: ${String(err)}`);
    },
  });
  return { ingresses, secrets };
}
