import type { ListenerView } from './gateway-types.js';
import { secretKey, type SecretKey } from './types.js';

/**
 * The keys of the Secrets the listeners of a Gateway or ListenerSet in `namespace` name (the first
 * `certificateRefs` entry of each listener with TLS): a change to the object, in either direction, queues
 * these keys. Like ingressSecretKeys, it is wider than what is issued; the reconcile sorts that out.
 */
export function listenerSecretKeys(
  object: { readonly namespace: string; readonly listeners: readonly ListenerView[] } | undefined,
): SecretKey[] {
  if (object === undefined) return [];
  return object.listeners.flatMap((listener) => {
    const ref = listener.tls?.certificateRefs[0];
    if (ref === undefined || ref.name === '') return [];
    return [secretKey(ref.namespace ?? object.namespace, ref.name)];
  });
}
