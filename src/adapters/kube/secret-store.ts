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
import { secretSnapshot } from './secret-snapshot.js';

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
export class SecretStore implements SecretAccess {
  readonly #objects: KubeObjects;
  readonly #managed: ManagedSecretCache;
  readonly #ttlMs: number;
  readonly #lookups = new Map<string, { readonly result: SecretLookup; readonly atMs: number }>();
  /** The object behind each StoredSecret handed out, for the write based on it. */
  readonly #objectOf = new WeakMap<StoredSecret, SecretObject>();

  constructor(options: {
    readonly objects: KubeObjects;
    readonly managed: ManagedSecretCache;
    readonly ttlMs?: number;
  }) {
    this.#objects = options.objects;
    this.#managed = options.managed;
    this.#ttlMs = options.ttlMs ?? 30_000;
  }

  /** Finds the Secret; read errors other than NotFound are thrown, never reported as absent. */
  async lookup(namespace: string, name: string, nowMs: number): Promise<SecretLookup> {
    const key = `${namespace}/${name}`;
    const managed = this.#managed.get(key);
    if (managed !== undefined) return { kind: 'found', secret: this.#stored(managed), managedCache: true };
    const cached = this.#lookups.get(key);
    if (cached !== undefined && nowMs - cached.atMs < this.#ttlMs) return cached.result;
    const secret = await this.#objects.find<SecretObject>(SECRETS, namespace, name);
    const result: SecretLookup =
      secret === undefined
        ? { kind: 'absent' }
        : { kind: 'found', secret: this.#stored(secret), managedCache: false };
    this.#lookups.set(key, { result, atMs: nowMs });
    if (this.#lookups.size > 10_000) {
      const oldest = this.#lookups.keys().next();
      if (oldest.done !== true) this.#lookups.delete(oldest.value);
    }
    return result;
  }

  #stored(secret: SecretObject): StoredSecret {
    const crt = secret.data?.['tls.crt'];
    const stored: StoredSecret = {
      snapshot: secretSnapshot(secret),
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
    try {
      await this.#write(write);
      return { kind: 'written' };
    } catch (err) {
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
