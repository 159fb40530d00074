import type { SecretObject } from './kube-types.js';

/**
 * The copy of a managed Secret the watch cache keeps: the object without `metadata.managedFields`, the
 * server-side apply bookkeeping that is about as large as the rest of the metadata and never read. Every
 * other field stays: the reconciler's writes are whole-object replaces based on this copy, and a field
 * missing from a replace (an owner reference, a finalizer, an annotation, a data key) would be deleted,
 * while an omitted `managedFields` is kept by the API server. The data stays too: the reconciler reads the
 * pending key, the certificate for ARI and the pair it keeps, without a GET per Secret.
 */
export function cachedSecret(secret: SecretObject): SecretObject {
  if (secret.metadata?.managedFields === undefined) return secret;
  const { managedFields: _managedFields, ...metadata } = secret.metadata;
  return { ...secret, metadata };
}
