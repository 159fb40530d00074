import type { CertParse } from '../../domain/types.js';
import type { SecretObject } from './kube-types.js';

interface Entry {
  readonly resourceVersion: string;
  readonly facts: CertParse;
}

/**
 * The parsed certificate facts of each Secret, one entry per Secret uid holding the facts of its latest
 * version: parsing a certificate and matching its key cost about a millisecond, and every periodic check
 * looks at every Secret again, so each Secret version is parsed once. A new resourceVersion replaces the
 * entry, a deleted Secret is forgotten (`forget`); there is no cap, because a cap smaller than the
 * cluster turns every check into a full re-parse, and the entries are as many as the Secrets watched.
 */
export class CertificateFactsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #parse: (secret: SecretObject) => CertParse;

  constructor(parse: (secret: SecretObject) => CertParse) {
    this.#parse = parse;
  }

  /** The facts of this version of the Secret, parsed at most once per uid and resourceVersion. */
  facts(secret: SecretObject): CertParse {
    const uid = secret.metadata?.uid;
    const resourceVersion = secret.metadata?.resourceVersion;
    if (uid === undefined || resourceVersion === undefined) return this.#parse(secret);
    const entry = this.#entries.get(uid);
    if (entry?.resourceVersion === resourceVersion) return entry.facts;
    const facts = this.#parse(secret);
    this.#entries.set(uid, { resourceVersion, facts });
    return facts;
  }

  /**
   * Our own write `written` of the Secret read as `base` kept its `tls.crt` and `tls.key` (a record-only
   * write: the order URL, a failure, the renewal time): the facts of `base` are those of `written`, so its
   * version (and the watch event that brings it) is not parsed again.
   */
  carry(base: SecretObject, written: SecretObject): void {
    const uid = written.metadata?.uid;
    const resourceVersion = written.metadata?.resourceVersion;
    if (uid === undefined || resourceVersion === undefined || base.metadata?.uid !== uid) return;
    const entry = this.#entries.get(uid);
    if (entry === undefined || entry.resourceVersion !== base.metadata.resourceVersion) return;
    if (
      base.data?.['tls.crt'] !== written.data?.['tls.crt'] ||
      base.data?.['tls.key'] !== written.data?.['tls.key']
    )
      return;
    this.#entries.set(uid, { resourceVersion, facts: entry.facts });
  }

  /** Drops the entry of a deleted Secret. */
  forget(uid: string): void {
    this.#entries.delete(uid);
  }

  /** How many Secrets have facts cached. */
  get size(): number {
    return this.#entries.size;
  }
}
