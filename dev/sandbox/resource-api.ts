/**
 * The REST semantics of one resource: create, read, list, update, patch, apply and delete on the store,
 * with the metadata rules of the real API server (uid, generateName, generation, resourceVersion
 * preconditions, status subresources, immutable fields) and its Status errors.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  ApiError,
  qualifiedResource,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  invalid,
  notFound,
  type FieldProblem,
} from './api-error.js';
import {
  childObject,
  childString,
  cloneJson,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from './json.js';
import { serverSideApply, trackUpdate } from './managed-fields.js';
import { storedJson } from './object-json.js';
import { identityOf, type ObjectStore } from './object-store.js';
import { applyJsonPatch, applyMergePatch, strategicMerge } from './patch.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resource-registry.js';
import { fieldsOf, labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { unknownFields } from './strict-fields.js';
import { nameProblems } from './validation.js';

/** How unknown fields are treated (`fieldValidation` query parameter). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Per-request inputs of a write. */
export interface WriteOptions {
  readonly manager: string;
  readonly fieldValidation: FieldValidation;
  readonly dryRun: boolean;
  readonly nowMs: number;
  /** Warnings to return in `Warning` headers. */
  readonly warnings: string[];
}

/** The PATCH content types the server accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Query of a list call. */
export interface ListQuery {
  readonly labelSelector: string | null;
  readonly fieldSelector: string | null;
  readonly limit: number;
  readonly continueToken: string | null;
}

/** One page of a list. */
export interface ListPage {
  readonly items: JsonObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function metadataOf(object: JsonObject): JsonObject {
  return childObject(object, 'metadata') ?? {};
}

/** Adds apiVersion and kind in front, as every single-object response carries them. */
export function withTypeMeta(type: ResourceType, object: JsonObject): JsonObject {
  return { kind: type.kind, apiVersion: apiVersionOf(type), ...object };
}

function withoutTypeMeta(object: JsonObject): JsonObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

function encodeContinue(resourceVersion: number, lastKey: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start: `${lastKey}\u0000` }),
  ).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isJsonObject(parsed) && typeof parsed['rv'] === 'number' && typeof parsed['start'] === 'string') {
      return { rv: parsed['rv'], start: parsed['start'] };
    }
  } catch {
    // fall through to the BadRequest below
  }
  throw badRequest(`invalid continue token "${token}": start a new list without the continue parameter`);
}

function objectKey(object: JsonObject): string {
  const { namespace, name } = identityOf(object);
  return namespace === '' ? name : `${namespace}/${name}`;
}

function specOf(object: JsonObject): JsonObject {
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = object;
  return rest;
}

/** The operations of the REST API on stored resources. */
export class ResourceApi {
  /** The last cluster IP handed out (10.96.0.1 is the `kubernetes` Service on a real cluster). */
  private nextClusterIp = 1;

  /**
   * @param deferNamespaceCleanup runs the removal of a deleted namespace's content later (the namespace
   *   stays `Terminating` until then, as on a real cluster); without it the removal is immediate.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
    private readonly deferNamespaceCleanup?: (cleanup: () => void) => void,
  ) {}

  /** GET one object (with apiVersion and kind). */
  get(type: ResourceType, namespace: string, name: string): JsonObject {
    const object = this.store.get(type, namespace, name);
    if (object === undefined) throw notFound(type.plural, type.group, name);
    return withTypeMeta(type, object);
  }

  /** LIST a page of objects (stored form: no apiVersion and kind on items, as on the real server). */
  list(type: ResourceType, namespace: string, query: ListQuery): ListPage {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, type.fieldSelectors, type.plural);
    const filtered = query.labelSelector === null && query.fieldSelector === null;
    let all = this.store.list(type, namespace === '' ? undefined : namespace);
    let listVersion = this.store.resourceVersion;
    if (query.continueToken !== null && query.continueToken !== '') {
      const token = decodeContinue(query.continueToken);
      if (token.rv < this.store.oldestWatchable) throw expired(CONTINUE_TOO_OLD);
      const start = token.start;
      all = all.filter((o) => `${objectKey(o)}\u0000` > start);
      listVersion = token.rv;
    }
    const matching = filtered
      ? all
      : all.filter((o) => labels(labelsOf(o)) && fields(fieldsOf(o, type.fieldSelectors)));
    if (query.limit <= 0 || matching.length <= query.limit) {
      return { items: matching, resourceVersion: String(listVersion) };
    }
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    const page: ListPage = {
      items,
      resourceVersion: String(listVersion),
      continueToken: encodeContinue(listVersion, last === undefined ? '' : objectKey(last)),
      ...(filtered ? { remainingItemCount: matching.length - items.length } : {}),
    };
    return page;
  }

  /** POST: create an object. */
  create(type: ResourceType, namespace: string, body: JsonValue, options: WriteOptions): JsonObject {
    const object = this.checkBody(type, body);
    const meta = { ...metadataOf(object) };
    const bodyNamespace = childString(meta, 'namespace');
    if (
      type.namespaced &&
      bodyNamespace !== undefined &&
      bodyNamespace !== '' &&
      bodyNamespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    let name = childString(meta, 'name') ?? '';
    const generateName = childString(meta, 'generateName');
    if (name === '' && generateName !== undefined && generateName !== '') {
      name = generateName;
      for (let i = 0; i < 5; i++) name += NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)] ?? 'x';
    }
    if (name === '') {
      throw invalid(type.kind, type.group, '', [
        { type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    }
    if (this.store.get(type, namespace, name) !== undefined)
      throw alreadyExists(type.plural, type.group, name);
    this.requireNamespace(type, namespace);
    meta['name'] = name;
    if (type.namespaced) meta['namespace'] = namespace;
    else delete meta['namespace'];
    meta['uid'] = randomUUID();
    meta['creationTimestamp'] = rfc3339(options.nowMs);
    delete meta['resourceVersion'];
    delete meta['deletionTimestamp'];
    delete meta['managedFields'];
    if (type.tracksGeneration) meta['generation'] = 1;
    else delete meta['generation'];
    const candidate: JsonObject = { ...object, metadata: meta };
    if (type.subresources.includes('status')) delete candidate['status'];
    if (type.kind === 'Namespace' && type.group === '') {
      candidate['spec'] = { finalizers: ['kubernetes'] };
      candidate['status'] = { phase: 'Active' };
    }
    if (type.kind === 'Pod' && type.group === '') candidate['status'] = { phase: 'Pending' };
    if (type.kind === 'Service' && type.group === '')
      candidate['spec'] = this.withClusterIp(candidate['spec']);
    return this.commit(type, undefined, candidate, options, { track: true });
  }

  /** PUT: replace an object (or its status). */
  update(
    type: ResourceType,
    target: { namespace: string; name: string; subresource: string },
    body: JsonValue,
    options: WriteOptions,
  ): JsonObject {
    const object = this.checkBody(type, body);
    const previous = this.store.get(type, target.namespace, target.name);
    if (previous === undefined) throw notFound(type.plural, type.group, target.name);
    const meta = metadataOf(object);
    const bodyName = childString(meta, 'name');
    if (bodyName !== target.name) {
      throw badRequest(
        `the name of the object (${bodyName ?? ''}) does not match the name on the URL (${target.name})`,
      );
    }
    const wantedVersion = childString(meta, 'resourceVersion');
    if (
      wantedVersion !== undefined &&
      wantedVersion !== '' &&
      wantedVersion !== childString(metadataOf(previous), 'resourceVersion')
    ) {
      throw conflict(type.plural, type.group, target.name);
    }
    return this.commit(type, previous, object, options, { track: true, subresource: target.subresource });
  }

  /** PATCH in one of the four patch formats; an apply patch creates the object when it is absent. */
  patch(
    type: ResourceType,
    target: { namespace: string; name: string; subresource: string },
    patch: { type: PatchType; body: JsonValue; force: boolean },
    options: WriteOptions,
  ): JsonObject {
    const previous = this.store.get(type, target.namespace, target.name);
    if (patch.type === 'apply') return this.apply(type, target, previous, patch, options);
    if (previous === undefined) throw notFound(type.plural, type.group, target.name);
    const current = withTypeMeta(type, previous);
    let patched: JsonValue;
    switch (patch.type) {
      case 'json':
        patched = applyJsonPatch(current, patch.body);
        break;
      case 'merge':
        if (!isJsonObject(patch.body)) throw badRequest('a merge patch must be a JSON object');
        patched = applyMergePatch(current, patch.body);
        break;
      case 'strategic':
        if (!isJsonObject(patch.body)) throw badRequest('a strategic merge patch must be a JSON object');
        patched = strategicMerge(current, patch.body, type.schema);
        break;
    }
    if (!isJsonObject(patched)) throw badRequest('the patch must leave a JSON object');
    const meta = metadataOf(patched);
    if (childString(meta, 'name') !== target.name) {
      throw badRequest(
        `the name of the object (${childString(meta, 'name') ?? ''}) does not match the name on the URL (${target.name})`,
      );
    }
    if (childString(meta, 'resourceVersion') !== childString(metadataOf(previous), 'resourceVersion')) {
      throw conflict(type.plural, type.group, target.name);
    }
    return this.commit(type, previous, patched, options, { track: true, subresource: target.subresource });
  }

  private apply(
    type: ResourceType,
    target: { namespace: string; name: string; subresource: string },
    previous: JsonObject | undefined,
    patch: { body: JsonValue; force: boolean },
    options: WriteOptions,
  ): JsonObject {
    const applied = this.checkBody(type, patch.body);
    const meta = metadataOf(applied);
    const name = childString(meta, 'name');
    if (name !== undefined && name !== target.name) {
      throw badRequest(
        `the name of the object (${name}) does not match the name on the URL (${target.name})`,
      );
    }
    const wantedVersion = childString(meta, 'resourceVersion');
    if (
      previous !== undefined &&
      wantedVersion !== undefined &&
      wantedVersion !== childString(metadataOf(previous), 'resourceVersion')
    ) {
      throw conflict(type.plural, type.group, target.name);
    }
    const request = {
      manager: options.manager,
      apiVersion: apiVersionOf(type),
      now: rfc3339(options.nowMs),
      schema: type.schema,
      force: patch.force,
      ...(target.subresource === '' ? {} : { subresource: target.subresource }),
    };
    if (previous === undefined) {
      const created = serverSideApply(undefined, withoutTypeMeta(applied), request);
      const managed = metadataOf(created)['managedFields'];
      const body: JsonObject = {
        ...withTypeMeta(type, created),
        metadata: { ...metadataOf(created), name: target.name },
      };
      // Create through the normal path (namespace, names, validation) without storing, then keep the
      // Apply entry server-side apply computed instead of the Update entry a create records.
      const result = this.create(type, target.namespace, body, { ...options, dryRun: true });
      const { resourceVersion: _unset, ...createdMeta } = metadataOf(result);
      const stored: JsonObject = {
        ...withoutTypeMeta(result),
        metadata: { ...createdMeta, ...(managed === undefined ? {} : { managedFields: managed }) },
      };
      if (options.dryRun) return withTypeMeta(type, stored);
      const put = this.store.put(type, stored);
      storedJson(put);
      return withTypeMeta(type, put);
    }
    const merged = serverSideApply(previous, withoutTypeMeta(applied), request);
    return this.commit(type, previous, merged, options, { track: false, subresource: target.subresource });
  }

  /** DELETE one object; deleting a Namespace deletes everything in it first (immediately). */
  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    body: JsonValue | undefined,
    options: WriteOptions,
  ): JsonObject {
    const previous = this.store.get(type, namespace, name);
    if (previous === undefined) throw notFound(type.plural, type.group, name);
    const meta = metadataOf(previous);
    const preconditions = isJsonObject(body) ? childObject(body, 'preconditions') : undefined;
    const wantedUid = childString(preconditions, 'uid');
    if (wantedUid !== undefined && wantedUid !== childString(meta, 'uid')) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${wantedUid}, UID in object meta: ${childString(meta, 'uid') ?? ''}`,
      );
    }
    const wantedVersion = childString(preconditions, 'resourceVersion');
    if (wantedVersion !== undefined && wantedVersion !== childString(meta, 'resourceVersion')) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${wantedVersion}, ResourceVersion in object meta: ${childString(meta, 'resourceVersion') ?? ''}`,
      );
    }
    if (type === this.registry.namespaces) return this.deleteNamespace(previous, options);
    const finalizers = meta['finalizers'];
    if (Array.isArray(finalizers) && finalizers.length > 0) {
      // Finalizers hold the object: it only gets a deletionTimestamp until they are all removed.
      if (meta['deletionTimestamp'] !== undefined || options.dryRun) return withTypeMeta(type, previous);
      const marked = this.store.put(type, {
        ...previous,
        metadata: { ...meta, deletionTimestamp: rfc3339(options.nowMs) },
      });
      storedJson(marked);
      return withTypeMeta(type, marked);
    }
    let removed: JsonObject = previous;
    if (!options.dryRun) removed = this.store.remove(type, namespace, name) ?? previous;
    if (type.returnsDeletedObject) return withTypeMeta(type, removed);
    const details: JsonObject = { name, kind: type.plural, uid: childString(meta, 'uid') ?? '' };
    if (type.group !== '') details['group'] = type.group;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  }

  /**
   * Namespace deletion: the namespace turns `Terminating` (new content is refused), then its objects and
   * the namespace itself are removed, immediately or when the deferred cleanup runs.
   */
  private deleteNamespace(previous: JsonObject, options: WriteOptions): JsonObject {
    const type = this.registry.namespaces;
    const meta = metadataOf(previous);
    const name = childString(meta, 'name') ?? '';
    const terminating: JsonObject = {
      ...previous,
      metadata: {
        ...meta,
        deletionTimestamp: childString(meta, 'deletionTimestamp') ?? rfc3339(options.nowMs),
      },
      status: { phase: 'Terminating' },
    };
    if (options.dryRun || meta['deletionTimestamp'] !== undefined) return withTypeMeta(type, terminating);
    const stored = this.store.put(type, terminating);
    const cleanup = (): void => {
      for (const r of this.registry.all) {
        if (!r.namespaced) continue;
        for (const o of this.store.list(r, name)) this.store.remove(r, name, identityOf(o).name);
      }
      this.store.remove(type, '', name);
    };
    if (this.deferNamespaceCleanup === undefined) cleanup();
    else this.deferNamespaceCleanup(cleanup);
    return withTypeMeta(type, stored);
  }

  /** DELETE on a collection: removes the matching objects and returns them as a list. */
  deleteCollection(
    type: ResourceType,
    namespace: string,
    query: ListQuery,
    options: WriteOptions,
  ): JsonObject[] {
    const page = this.list(type, namespace, { ...query, limit: 0, continueToken: null });
    const removed: JsonObject[] = [];
    for (const o of page.items) {
      const id = identityOf(o);
      removed.push(this.delete(type, id.namespace, id.name, undefined, options));
    }
    return removed;
  }

  /** Allocates a cluster IP from 10.96.0.0/12 as the Service IP allocator does (never reused here). */
  private withClusterIp(spec: JsonValue | undefined): JsonObject {
    const out: JsonObject = isJsonObject(spec) ? { ...spec } : {};
    const wanted = childString(out, 'clusterIP');
    if (childString(out, 'type') === 'ExternalName' || (wanted !== undefined && wanted !== '')) return out;
    this.nextClusterIp++;
    const ip = `10.96.${Math.floor(this.nextClusterIp / 256) % 256}.${this.nextClusterIp % 256}`;
    out['clusterIP'] = ip;
    out['clusterIPs'] = [ip];
    if (childString(out, 'type') === undefined) out['type'] = 'ClusterIP';
    return out;
  }

  private requireNamespace(type: ResourceType, namespace: string): void {
    if (!type.namespaced) return;
    if (namespace === '')
      throw badRequest(
        `${type.plural} must be created in a namespace: use /namespaces/<namespace>/${type.plural}`,
      );
    const ns = this.store.get(this.registry.namespaces, '', namespace);
    if (ns === undefined) throw notFound('namespaces', '', namespace);
    if (metadataOf(ns)['deletionTimestamp'] !== undefined) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw new ApiError(
        403,
        'Forbidden',
        `${qualifiedResource(type.plural, type.group)} is forbidden: ${message}`,
        {
          target: { group: type.group, kind: type.plural },
          causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
        },
      );
    }
  }

  private checkBody(type: ResourceType, body: JsonValue): JsonObject {
    if (!isJsonObject(body)) throw badRequest(`the request body must be a ${type.kind} object`);
    const apiVersion = body['apiVersion'];
    const kind = body['kind'];
    if (apiVersion !== undefined && apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${typeof apiVersion === 'string' ? apiVersion : JSON.stringify(apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    if (kind !== undefined && kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${typeof kind === 'string' ? kind : JSON.stringify(kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    return body;
  }

  /**
   * The common end of every write: keep server-owned metadata, apply status-subresource rules,
   * normalise, validate, bump generation, record field ownership and store (unless nothing changed).
   */
  private commit(
    type: ResourceType,
    previous: JsonObject | undefined,
    incoming: JsonObject,
    options: WriteOptions,
    how: { track: boolean; subresource?: string },
  ): JsonObject {
    const unknown = options.fieldValidation === 'Ignore' ? [] : unknownFields(incoming, type.schema);
    if (unknown.length > 0) {
      const text = unknown.map((f) => `unknown field "${f}"`);
      if (options.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${text.join(', ')}`);
      options.warnings.push(...text);
    }
    let candidate = withoutTypeMeta(cloneJson(incoming));
    const meta: JsonObject = { ...metadataOf(candidate) };
    if (previous !== undefined) {
      const before = metadataOf(previous);
      for (const key of [
        'uid',
        'creationTimestamp',
        'generation',
        'namespace',
        'name',
        'deletionTimestamp',
      ]) {
        const value = before[key];
        if (value === undefined) Reflect.deleteProperty(meta, key);
        else meta[key] = value;
      }
      if (!how.track) meta['managedFields'] = metadataOf(candidate)['managedFields'] ?? null;
      else meta['managedFields'] = before['managedFields'] ?? null;
      if (meta['managedFields'] === null) delete meta['managedFields'];
      meta['resourceVersion'] = before['resourceVersion'] ?? '';
      candidate = { ...candidate, metadata: meta };
      if (type.subresources.includes('status')) {
        if (how.subresource === 'status') {
          candidate = { ...previous, status: candidate['status'] ?? {} };
        } else if (previous['status'] === undefined) {
          delete candidate['status'];
        } else {
          candidate['status'] = previous['status'];
        }
      }
    } else {
      candidate = { ...candidate, metadata: meta };
    }
    if (type.kind === 'Secret' && type.group === '') candidate = normaliseSecret(candidate);
    const name = childString(metadataOf(candidate), 'name') ?? '';
    const problems: FieldProblem[] = [
      ...nameProblems(name, type.nameRule),
      ...(type.validate?.(candidate, previous) ?? []),
    ];
    if (problems.length > 0) throw invalid(type.kind, type.group, name, problems);
    if (previous !== undefined && type.tracksGeneration && !jsonEqual(specOf(previous), specOf(candidate))) {
      const generation = metadataOf(previous)['generation'];
      // A fresh metadata object: the stored previous object shares nested values and must not change.
      candidate = {
        ...candidate,
        metadata: {
          ...metadataOf(candidate),
          generation: (typeof generation === 'number' ? generation : 0) + 1,
        },
      };
    }
    if (how.track) {
      const context = {
        manager: options.manager,
        apiVersion: apiVersionOf(type),
        now: rfc3339(options.nowMs),
        schema: type.schema,
        ...(how.subresource === undefined || how.subresource === '' ? {} : { subresource: how.subresource }),
      };
      candidate = trackUpdate(previous, candidate, context);
    }
    if (previous !== undefined && jsonEqual(withoutManaged(previous), withoutManaged(candidate))) {
      // A write that changes nothing is not stored: no new resourceVersion, no watch event.
      return withTypeMeta(type, previous);
    }
    if (options.dryRun) return withTypeMeta(type, candidate);
    const candidateMeta = metadataOf(candidate);
    const remaining = candidateMeta['finalizers'];
    if (
      candidateMeta['deletionTimestamp'] !== undefined &&
      (!Array.isArray(remaining) || remaining.length === 0)
    ) {
      // The last finalizer of an object being deleted is gone: the deletion completes now.
      const { namespace, name: objectName } = identityOf(candidate);
      return withTypeMeta(type, this.store.remove(type, namespace, objectName) ?? candidate);
    }
    const stored = this.store.put(type, candidate);
    // Serialize now, so lists and watches only concatenate cached text.
    storedJson(stored);
    return withTypeMeta(type, stored);
  }
}

function withoutManaged(object: JsonObject): JsonObject {
  const { managedFields: _m, ...meta } = metadataOf(object);
  return { ...object, metadata: meta };
}

/** Folds `stringData` into base64 `data` and defaults `type`, as the Secret strategy does. */
function normaliseSecret(secret: JsonObject): JsonObject {
  const out: JsonObject = { ...secret };
  const stringData = childObject(secret, 'stringData');
  if (stringData !== undefined) {
    const data: JsonObject = { ...(childObject(secret, 'data') ?? {}) };
    for (const [k, v] of Object.entries(stringData))
      if (typeof v === 'string') data[k] = Buffer.from(v).toString('base64');
    out['data'] = data;
    delete out['stringData'];
  }
  if (childString(out, 'type') === undefined || out['type'] === '') out['type'] = 'Opaque';
  return out;
}

/** Raised when a request names an unknown status subresource or similar route problems. */
export function subresourceNotFound(subresource: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `the server could not find the requested resource (subresource "${subresource}")`,
  );
}
