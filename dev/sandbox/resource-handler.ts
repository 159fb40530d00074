/**
 * Serves requests on resource paths: the verb from method and path, authorization, content negotiation
 * (JSON, or a Table for kubectl), body decoding (JSON, or protobuf for what kubectl sends that way), the
 * REST operations and watches.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forbidden, isAllowed, type RequestAttributes, type SandboxUser } from './access-control.js';
import { accessReview, selfReview } from './access-review.js';
import { ApiError, badRequest } from './api-error.js';
import { parseJsonBody, readBody } from './http-io.js';
import { childObject, childString, type JsonObject, type JsonValue } from './json.js';
import type { ObjectStore } from './object-store.js';
import { listJson, typedJson } from './object-json.js';
import { decodeProtobufObject, isProtobufBody } from './protobuf-body.js';
import {
  withTypeMeta,
  type FieldValidation,
  type ListQuery,
  type PatchType,
  type ResourceApi,
  type WriteOptions,
} from './resource-api.js';
import { apiVersionOf } from './resource-registry.js';
import type { Route } from './route.js';
import { fieldsOf, labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { renderTable, type IncludeObject } from './table.js';
import type { WatchHub } from './watch-stream.js';

/** What the audit log learns about a request once it is routed. */
export interface RequestInfo {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
}

/** The authenticated request. */
export interface RequestContext {
  readonly method: string;
  readonly user: SandboxUser;
  readonly info: RequestInfo;
}

/** What resource requests are served from. */
export interface ResourceHandlerDeps {
  readonly api: ResourceApi;
  readonly store: ObjectStore;
  readonly watches: WatchHub;
  readonly bookmarkIntervalMs: number;
  readonly watchLatencyMs: number;
}

/** The patch format of a PATCH Content-Type. */
function patchTypeOf(contentType: string): PatchType | undefined {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (base) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      return undefined;
  }
}

/** The `fieldValidation` query parameter (the real server defaults to Warn; kubectl sends Strict). */
function fieldValidationOf(value: string | null): FieldValidation {
  switch (value) {
    case 'Strict':
      return 'Strict';
    case 'Ignore':
      return 'Ignore';
    case 'Warn':
      return 'Warn';
    case null:
    case '':
      // The real server defaults to Warn; kubectl always sends Strict itself.
      return 'Warn';
    default:
      throw badRequest(`fieldValidation "${value}" is not supported: use Strict, Warn or Ignore`);
  }
}

/** Serves one request on a resource path. */
export async function serveResource(
  deps: ResourceHandlerDeps,
  route: Extract<Route, { kind: 'resource' }>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: RequestContext,
): Promise<void> {
  const { api, store, watches, bookmarkIntervalMs, watchLatencyMs } = deps;
  const { type, namespace, name, subresource } = route;
  const q = url.searchParams;
  const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
  let verb: string;
  switch (ctx.method) {
    case 'GET':
    case 'HEAD':
      verb = name !== '' ? 'get' : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name !== '' ? 'delete' : 'deletecollection';
      break;
    default:
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
  Object.assign(ctx.info, { verb, resource: type.plural, namespace, name });
  if (
    (verb === 'create' && name !== '') ||
    (verb !== 'create' && verb !== 'list' && verb !== 'watch' && verb !== 'deletecollection' && name === '')
  ) {
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  if (!type.verbs.some((v) => v === verb) && subresource === '') {
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  const attrs: RequestAttributes = {
    verb,
    group: type.group,
    resource: type.plural,
    subresource,
    namespace,
    name,
  };
  if (!type.virtual && !isAllowed(ctx.user, attrs)) throw forbidden(ctx.user, attrs);

  const nowMs = Date.now();
  const userAgent = req.headers['user-agent'] ?? '';
  const warnings: string[] = [];
  const writeOptions = (): WriteOptions => ({
    manager: q.get('fieldManager') ?? (userAgent.split('/')[0] || 'unknown'),
    fieldValidation: fieldValidationOf(q.get('fieldValidation')),
    dryRun: q.getAll('dryRun').includes('All'),
    nowMs,
    warnings,
  });
  const respondText = (status: number, text: string): void => {
    // Encode once: the length and the body come from the same buffer (lists can be tens of MiB).
    const bytes = Buffer.from(text, 'utf8');
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': bytes.length,
    };
    if (warnings.length > 0)
      headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    res.writeHead(status, headers);
    res.end(bytes);
  };
  const respond = (status: number, body: JsonValue): void => {
    respondText(status, JSON.stringify(body));
  };
  const decodeBody = (bytes: Buffer): JsonValue =>
    isProtobufBody(req.headers['content-type'] ?? '') ? decodeProtobufObject(bytes) : parseJsonBody(bytes);
  const accept = req.headers.accept ?? '';
  const wantsTable = /as=Table/.test(accept);
  const include: IncludeObject = ((): IncludeObject => {
    const v = q.get('includeObject');
    return v === 'Object' || v === 'None' ? v : 'Metadata';
  })();
  const listQuery = (): ListQuery => ({
    labelSelector: q.get('labelSelector'),
    fieldSelector: q.get('fieldSelector'),
    limit: Number(q.get('limit') ?? '0') || 0,
    continueToken: q.get('continue'),
  });

  switch (verb) {
    case 'get': {
      const object = api.get(type, namespace, name);
      if (wantsTable) {
        respond(
          200,
          renderTable({
            type,
            objects: [object],
            resourceVersion: childString(childObject(object, 'metadata'), 'resourceVersion') ?? '',
            include,
            nowMs,
          }),
        );
      } else {
        respond(200, object);
      }
      return;
    }
    case 'list': {
      const page = api.list(type, namespace, listQuery());
      if (wantsTable) {
        respond(
          200,
          renderTable({
            type,
            objects: page.items.map((o) => withTypeMeta(type, o)),
            resourceVersion: page.resourceVersion,
            ...(page.continueToken === undefined ? {} : { continueToken: page.continueToken }),
            include,
            nowMs,
          }),
        );
        return;
      }
      const metadata: JsonObject = { resourceVersion: page.resourceVersion };
      if (page.continueToken !== undefined) metadata['continue'] = page.continueToken;
      if (page.remainingItemCount !== undefined) metadata['remainingItemCount'] = page.remainingItemCount;
      respondText(
        200,
        listJson({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata }, page.items),
      );
      return;
    }
    case 'watch': {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'), type.fieldSelectors, type.plural);
      const timeout = q.get('timeoutSeconds');
      watches.serve(
        store,
        {
          type,
          namespace,
          client: ctx.user.name,
          resourceVersion: q.get('resourceVersion') ?? '',
          matches: (o) => labels(labelsOf(o)) && fields(fieldsOf(o, type.fieldSelectors)),
          allowBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
          bookmarkIntervalMs,
          latencyMs: watchLatencyMs,
          render: (o) => {
            if (!wantsTable) return typedJson(type.kind, apiVersionOf(type), o);
            const rv = childString(childObject(o, 'metadata'), 'resourceVersion') ?? '';
            const full = withTypeMeta(type, o);
            return JSON.stringify(
              renderTable({ type, objects: [full], resourceVersion: rv, include, nowMs: Date.now() }),
            );
          },
          renderBookmark: (rv, initialEventsEnd) =>
            JSON.stringify({
              kind: type.kind,
              apiVersion: apiVersionOf(type),
              metadata: {
                resourceVersion: rv,
                ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
              },
            }),
        },
        res,
      );
      return;
    }
    case 'create': {
      const body = decodeBody(await readBody(req));
      if (type.virtual) {
        respond(201, type.kind === 'SelfSubjectReview' ? selfReview(ctx.user) : accessReview(body, ctx.user));
        return;
      }
      respond(201, api.create(type, namespace, body, writeOptions()));
      return;
    }
    case 'update': {
      const body = decodeBody(await readBody(req));
      respond(200, api.update(type, { namespace, name, subresource }, body, writeOptions()));
      return;
    }
    case 'patch': {
      const patchType = patchTypeOf(req.headers['content-type'] ?? '');
      if (patchType === 'strategic' && type.customResource) {
        // The apiextensions apiserver has no Go struct to read merge keys from.
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      if (patchType === undefined) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
      }
      const text = await readBody(req);
      const options = writeOptions();
      if (patchType === 'apply' && q.get('fieldManager') === null) {
        throw badRequest(
          'PATCH, application/apply-patch+yaml requests must have a fieldManager query parameter: set it to the name of the applying tool',
        );
      }
      const existed = store.get(type, namespace, name) !== undefined;
      const result = api.patch(
        type,
        { namespace, name, subresource },
        { type: patchType, body: parseJsonBody(text), force: q.get('force') === 'true' },
        options,
      );
      respond(existed ? 200 : 201, result);
      return;
    }
    case 'delete': {
      const text = await readBody(req);
      const body = text.toString('utf8').trim() === '' ? undefined : parseJsonBody(text);
      respond(200, api.delete(type, namespace, name, body, writeOptions()));
      return;
    }
    case 'deletecollection': {
      await readBody(req);
      const removed = api.deleteCollection(type, namespace, listQuery(), writeOptions());
      respond(200, {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(store.resourceVersion) },
        items: removed,
      });
      return;
    }
    default:
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}
