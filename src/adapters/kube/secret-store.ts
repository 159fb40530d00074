import type { SecretObject } from './kube-types.js';
import type { KubeObjects } from './kube-objects.js';
import { KubeApiError, isKubeError } from './kube-errors.js';
import { SECRETS } from './resources.js';

/** What the store knows about one Secret name. */
export type SecretLookup =
  | { readonly kind: 'absent' }
  | { readonly kind: 'found'; readonly secret: SecretObject; readonly managedCache: boolean };

/** The whole desired content of a TLS Secret; metadata maps are complete (foreign keys already merged in). */
export interface SecretWrite {
  readonly namespace: string;
  readonly name: string;
  /** The object the decision was based on; `undefined` means "create, it must not exist". */
  readonly base: SecretObject | undefined;
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly dryRun?: boolean;
}

/** Read access to the informer cache of Secrets carrying our managed label. */
export interface ManagedSecretCache {
  get(key: string): SecretObject | undefined;
}

/**
 * Reads TLS Secrets from the managed-label cache first and falls back to a targeted GET (kept for
 * `ttlMs`) for Secrets we do not manage yet (placeholders to adopt, foreign Secrets to report), so there
 * is never a cluster-wide Secret cache. Writes carry the base object's resourceVersion: a concurrent
 * change fails with a `conflict` KubeApiError and is never overwritten.
 */
export class SecretStore {
  readonly #objects: KubeObjects;
  readonly #managed: ManagedSecretCache;
  readonly #ttlMs: number;
  readonly #lookups = new Map<string, { readonly result: SecretLookup; readonly atMs: number }>();

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
    if (managed !== undefined) return { kind: 'found', secret: managed, managedCache: true };
    const cached = this.#lookups.get(key);
    if (cached !== undefined && nowMs - cached.atMs < this.#ttlMs) return cached.result;
    const secret = await this.#objects.find<SecretObject>(SECRETS, namespace, name);
    const result: SecretLookup =
      secret === undefined ? { kind: 'absent' } : { kind: 'found', secret, managedCache: false };
    this.#lookups.set(key, { result, atMs: nowMs });
    if (this.#lookups.size > 10_000) {
      const oldest = this.#lookups.keys().next();
      if (oldest.done !== true) this.#lookups.delete(oldest.value);
    }
    return result;
  }

  /** Forgets the short-lived GET result (after our own write, or when the Ingress changed). */
  invalidate(namespace: string, name: string): void {
    this.#lookups.delete(`${namespace}/${name}`);
  }

  /** Creates or replaces the Secret with optimistic concurrency; returns the stored object. */
  async write(write: SecretWrite): Promise<SecretObject> {
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
    const resourceVersion = write.base.metadata?.resourceVersion;
    return this.#objects.replace<SecretObject>(
      SECRETS,
      write.namespace,
      {
        ...write.base,
        metadata: {
          ...write.base.metadata,
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
