import { secretKey, type IngressView, type SecretKey } from './types.js';

/**
 * The keys of the TLS Secrets an Ingress names (`spec.tls[].secretName`, empty names skipped): a change
 * to the Ingress, in either direction, queues exactly these keys.
 */
export function ingressSecretKeys(ingress: IngressView | undefined): SecretKey[] {
  if (ingress === undefined) return [];
  return ingress.tls
    .map((entry) => entry.secretName ?? '')
    .filter((name) => name !== '')
    .map((name) => secretKey(ingress.namespace, name));
}
