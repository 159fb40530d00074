import type { SecretSnapshot } from '../domain/types.js';

/**
 * A Secret as the store read it: the core's snapshot, plus the little the reconciler carries over to a
 * write or hands to the CA. A write names the StoredSecret it is based on; the store keeps the object
 * behind it, so the write carries that object's version (optimistic concurrency).
 */
export interface StoredSecret {
  readonly snapshot: SecretSnapshot;
  /** `type` as stored (`undefined` when the object has none). */
  readonly type: string | undefined;
  /** `tls.crt` decoded; `undefined` when the Secret has no such key. */
  readonly certificatePem: string | undefined;
  /** The data as stored (base64 values), kept by a write that changes only the annotations. */
  readonly data: Readonly<Record<string, string>> | undefined;
}

/** What the store knows about one Secret name. */
export type SecretLookup =
  | { readonly kind: 'absent' }
  | { readonly kind: 'found'; readonly secret: StoredSecret; readonly managedCache: boolean };

/** The whole desired content of a TLS Secret; metadata maps are complete (foreign keys already merged in). */
export interface SecretWrite {
  readonly namespace: string;
  readonly name: string;
  /** The Secret the decision was based on; `undefined` means "create, it must not exist". */
  readonly base: StoredSecret | undefined;
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly dryRun?: boolean;
}

/**
 * How a write ended. `conflict`: the Secret changed (or appeared) since it was read, nothing was
 * written; `error` says what the API server answered. Other failures are thrown.
 */
export type SecretWriteResult =
  { readonly kind: 'written' } | { readonly kind: 'conflict'; readonly error: Error };

/** Secret reads and writes (SecretStore). */
export interface SecretAccess {
  /** Finds the Secret; read errors other than NotFound are thrown, never reported as absent. */
  lookup(namespace: string, name: string, nowMs: number): Promise<SecretLookup>;
  /** Forgets a short-lived read (after our own write, or when the Ingress changed). */
  invalidate(namespace: string, name: string): void;
  /** Creates or replaces the Secret with optimistic concurrency. */
  write(write: SecretWrite): Promise<SecretWriteResult>;
}
