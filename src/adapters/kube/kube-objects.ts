import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import { collectionPath, objectPath, type ResourceKind } from './resources.js';

export interface WriteOptions {
  /** Ask the server to validate and authorize the write without persisting it. */
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

const FIELD_MANAGER = 'kube-lego';

function writeQuery(options: WriteOptions | undefined): Record<string, string | undefined> {
  return {
    dryRun: options?.dryRun === true ? 'All' : undefined,
    fieldManager: options?.fieldManager ?? FIELD_MANAGER,
  };
}

/**
 * Typed CRUD over the REST API for the resources kube-lego touches. Writes of existing objects go through
 * PUT with the object's resourceVersion, so a concurrent change surfaces as a `conflict` error instead
 * of being overwritten.
 */
export class KubeObjects {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** GET; throws KubeApiError (`notFound`, `forbidden`, ...). */
  async get<T>(resource: ResourceKind, namespace: string, name: string): Promise<T> {
    return (await this.#client.request({ method: 'GET', path: objectPath(resource, namespace, name) })) as T;
  }

  /** GET that maps NotFound to `undefined`; every other error is thrown (never read as "absent"). */
  async find<T>(resource: ResourceKind, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(resource, namespace, name);
    } catch (err) {
      if (isKubeError(err, 'notFound')) return undefined;
      throw err;
    }
  }

  /** LIST of `namespace` (all namespaces when undefined), page by page, optionally by label selector. */
  async list<T>(resource: ResourceKind, namespace: string | undefined, labelSelector?: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = (await this.#client.request({
        method: 'GET',
        path: collectionPath(resource, namespace),
        query: { labelSelector, limit: '500', continue: next },
      })) as { readonly items?: readonly T[]; readonly metadata?: { readonly continue?: string } };
      items.push(...(page.items ?? []));
      next = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (next !== undefined);
    return items;
  }

  async create<T>(resource: ResourceKind, namespace: string, object: T, options?: WriteOptions): Promise<T> {
    return (await this.#client.request({
      method: 'POST',
      path: collectionPath(resource, namespace),
      query: writeQuery(options),
      body: { apiVersion: resource.apiVersion, kind: resource.kind, ...object },
    })) as T;
  }

  /** PUT; the object must carry `metadata.resourceVersion` (optimistic concurrency). */
  async replace<T extends { readonly metadata?: { readonly name?: string } }>(
    resource: ResourceKind,
    namespace: string,
    object: T,
    options?: WriteOptions,
  ): Promise<T> {
    const name = object.metadata?.name ?? '';
    return (await this.#client.request({
      method: 'PUT',
      path: objectPath(resource, namespace, name),
      query: writeQuery(options),
      body: { apiVersion: resource.apiVersion, kind: resource.kind, ...object },
    })) as T;
  }

  /** JSON merge patch (RFC 7386). */
  async mergePatch<T>(
    resource: ResourceKind,
    target: { readonly namespace: string; readonly name: string },
    patch: unknown,
    options?: WriteOptions,
  ): Promise<T> {
    return (await this.#client.request({
      method: 'PATCH',
      path: objectPath(resource, target.namespace, target.name),
      query: writeQuery(options),
      body: patch,
      contentType: 'application/merge-patch+json',
    })) as T;
  }

  /** DELETE with an optional uid precondition, so only the object we looked at is deleted. */
  async delete(
    resource: ResourceKind,
    target: { readonly namespace: string; readonly name: string; readonly uid?: string },
  ): Promise<void> {
    await this.#client.request({
      method: 'DELETE',
      path: objectPath(resource, target.namespace, target.name),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        ...(target.uid === undefined ? {} : { preconditions: { uid: target.uid } }),
      },
    });
  }
}
