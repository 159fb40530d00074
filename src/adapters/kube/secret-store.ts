import type {
  SecretAccess,
  SecretLookup,
  SecretWrite,
  SecretWriteResult,
  StoredSecret,
} from '../../ports/secret-access.js';
import type { SecretObject } from './kube-types.js';
import type { KubeObjects } from './kube-objects.js';
import { KubeApiError, isKubeError } from './kube-errors.js';
import { SECRETS } from './resources.js';
import { cachedSecret } from './cached-secret.js';
import { CertificateFactsCache } from './certificate-facts-cache.js';
import { parseCertificate, secretSnapshot } from './secret-snapshot.js';

/** Read access to the informer cache of Secrets carrying our managed label. */
export interface ManagedSecretCache {
  get(key: string): SecretObject | undefined;
}

/**
 * Reads TLS Secrets from the managed-label cache first and falls back to a targeted GET (kept for
 * `ttlMs`) for Secrets we do not manage yet (placeholders to adopt, foreign Secrets to report), so there
 * is never a cluster-wide Secret cache. Writes carry the base object's resourceVersion: a concurrent
 * change ends in a `conflict` result (its error a `conflict` KubeApiError) and is never overwritten.
 */
/** How long our own write stands in for the cache's copy at most (a relist may skip its version). */
const WRITTEN_TTL_MS = 60_000;

/**
 * True when the cache's copy is our written object or a later one. resourceVersions are opaque, but
 * etcd's are integers that grow with every write; where both are, a larger one is newer.
 */
function caughtUp(cached: SecretObject | undefined, written: SecretObject): boolean {
  const cachedVersion = cached?.metadata?.resourceVersion;
  const writtenVersion = written.metadata?.resourceVersion;
  if (cachedVersion === undefined || writtenVersion === undefined) return false;
  if (cachedVersion === writtenVersion) return true;
  return (
    /^\d+$/.test(cachedVersion) &&
    /^\d+$/.test(writtenVersion) &&
    BigInt(cachedVersion) > BigInt(writtenVersion)
  );
}

export class SecretStore implements SecretAccess {
  readonly #objects: KubeObjects;
  readonly #managed: ManagedSecretCache;
  readonly #ttlMs: number;
  readonly #facts: CertificateFactsCache;
  readonly #lookups = new Map<string, { readonly result: SecretLookup; readonly atMs: number }>();
  /** The object behind each StoredSecret handed out, for the write based on it. */
  readonly #objectOf = new WeakMap<StoredSecret, SecretObject>();
  /**
   * Our last write of each Secret, until the managed cache has caught up with it: right after a write the
   * informer may still hold the older copy (an order URL and a temporary certificate), and a decision taken
   * on it would order the certificate just stored once more.
   */
  readonly #written = new Map<string, { readonly object: SecretObject; readonly atMs: number }>();

  constructor(options: {
    readonly objects: KubeObjects;
    readonly managed: ManagedSecretCache;
    readonly ttlMs?: number;
    /** Facts of the managed Secrets, one entry per Secret (the watch forgets deleted ones). */
    readonly facts?: CertificateFactsCache;
  }) {
    this.#objects = options.objects;
    this.#managed = options.managed;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#facts = options.facts ?? new CertificateFactsCache(parseCertificate);
  }

  /** Finds the Secret; read errors other than NotFound are thrown, never reported as absent. */
  async lookup(namespace: string, name: string, nowMs: number): Promise<SecretLookup> {
    const key = `${namespace}/${name}`;
    const managed = this.#managed.get(key);
    const written = this.#ownWrite(key, managed);
    if (written !== undefined)
      return { kind: 'found', secret: this.#stored(written, true), managedCache: true };
    if (managed !== undefined)
      return { kind: 'found', secret: this.#stored(managed, true), managedCache: true };
    const cached = this.#lookups.get(key);
    if (cached !== undefined && nowMs - cached.atMs < this.#ttlMs) return cached.result;
    const secret = await this.#objects.find<SecretObject>(SECRETS, namespace, name);
    const result: SecretLookup =
      secret === undefined
        ? { kind: 'absent' }
        : { kind: 'found', secret: this.#stored(secret, false), managedCache: false };
    this.#lookups.set(key, { result, atMs: nowMs });
    if (this.#lookups.size > 10_000) {
      const oldest = this.#lookups.keys().next();
      if (oldest.done !== true) this.#lookups.delete(oldest.value);
    }
    return result;
  }

  /** Our own last write of `key` while the cache still holds an older copy (or none); else undefined. */
  #ownWrite(key: string, cached: SecretObject | undefined): SecretObject | undefined {
    const written = this.#written.get(key);
    if (written === undefined) return undefined;
    if (Date.now() - written.atMs < WRITTEN_TTL_MS && !caughtUp(cached, written.object))
      return written.object;
    this.#written.delete(key);
    return undefined;
  }

  /**
   * `managed`: the Secret is watched (or is our own write of one), so its facts are kept per version until
   * the watch reports it deleted; a Secret read by a GET is parsed each time (its read is kept `ttlMs`).
   */
  #stored(secret: SecretObject, managed: boolean): StoredSecret {
    const crt = secret.data?.['tls.crt'];
    const stored: StoredSecret = {
      snapshot: managed
        ? secretSnapshot(secret, (object) => this.#facts.facts(object))
        : secretSnapshot(secret),
      type: secret.type,
      certificatePem: crt === undefined ? undefined : Buffer.from(crt, 'base64').toString('utf8'),
      data: secret.data,
    };
    this.#objectOf.set(stored, secret);
    return stored;
  }

  /** Forgets the short-lived GET result (after our own write, or when the Ingress changed). */
  invalidate(namespace: string, name: string): void {
    this.#lookups.delete(`${namespace}/${name}`);
  }

  /** Creates or replaces the Secret with optimistic concurrency. */
  async write(write: SecretWrite): Promise<SecretWriteResult> {
    const key = `${write.namespace}/${write.name}`;
    try {
      const object = await this.#write(write);
      if (write.dryRun !== true) {
        const base = write.base === undefined ? undefined : this.#objectOf.get(write.base);
        if (base !== undefined) this.#facts.carry(base, object);
        // Kept like the watch cache keeps it (no managedFields) until the cache has caught up.
        this.#written.set(key, { object: cachedSecret(object), atMs: Date.now() });
      }
      return { kind: 'written' };
    } catch (err) {
      // Someone else changed it: what we wrote last is no longer the latest, the cache decides again.
      this.#written.delete(key);
      if (isKubeError(err, 'conflict')) return { kind: 'conflict', error: err };
      throw err;
    }
  }

  async #write(write: SecretWrite): Promise<SecretObject> {
    const metadata = {
      name: write.name,
      namespace: write.namespace,
      labels: { ...write.labels },
      annotations: { ...write.annotations },
    };
    const options = { dryRun: write.dryRun === true };
    this.invalidate(write.namespace, write.name);
    if (write.base === undefined) {
      try {
        return await this.#objects.create<SecretObject>(
          SECRETS,
          write.namespace,
          { metadata, type: write.type, data: { ...write.data } },
          options,
        );
      } catch (err) {
        if (!isKubeError(err, 'alreadyExists')) throw err;
        throw new KubeApiError({
          code: 'conflict',
          message: `Secret "${write.namespace}/${write.name}" appeared while kube-lego was about to create it: it will be read again`,
          request: err.request,
          ...(err.status === undefined ? {} : { status: err.status }),
          cause: err,
        });
      }
    }
    const base = this.#objectOf.get(write.base);
    if (base === undefined)
      throw new Error(`Secret "${write.namespace}/${write.name}" was not read by this store`);
    const resourceVersion = base.metadata?.resourceVersion;
    return this.#objects.replace<SecretObject>(
      SECRETS,
      write.namespace,
      {
        ...base,
        metadata: {
          ...base.metadata,
          ...metadata,
          ...(resourceVersion === undefined ? {} : { resourceVersion }),
        },
        type: write.type,
        data: { ...write.data },
      },
      options,
    );
  }
}
