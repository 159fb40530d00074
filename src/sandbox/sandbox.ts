/**
 * The Kubernetes API sandbox: an in-memory API server on plain `node:http` (or `node:https`) that
 * kubectl 1.32 and @kubernetes/client-node accept. `startSandbox()` is the programmatic entry point.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  authenticate,
  forbidden,
  isAllowed,
  unauthorized,
  type PolicyRule,
  type RequestAttributes,
  type SandboxUser,
} from './access-control.js';
import { ApiError, badRequest } from './api-error.js';
import { coreVersions, groupDocument, groupList, resourceList, SERVER_VERSION } from './discovery.js';
import { FaultTable, type FaultInjector } from './fault-injector.js';
import { childObject, childString, isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { listJson, typedJson } from './object-json.js';
import { OpenApiDocuments } from './openapi.js';
import {
  ResourceApi,
  withTypeMeta,
  type FieldValidation,
  type ListQuery,
  type PatchType,
  type WriteOptions,
} from './resource-api.js';
import { apiVersionOf, ResourceRegistry, type ResourceType } from './resource-registry.js';
import { decodeReview, isProtobufBody } from './protobuf-review.js';
import { parseRoute, type Route } from './route.js';
import { fieldsOf, labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { generateServingCertificate } from './serving-certificate.js';
import { renderTable, type IncludeObject } from './table.js';
import { WatchHub } from './watch-stream.js';

export type { PolicyRule } from './access-control.js';
export type { FaultInjector, FailureRule, DelayRule } from './fault-injector.js';

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (a free port). */
  port?: number;
  /** Serve HTTPS with a freshly generated CA (`caPem`). */
  tls?: boolean;
  /** Extra users by bearer token; a user without `rules` is an administrator. */
  users?: Record<string, { name: string; groups?: string[]; rules?: PolicyRule[] }>;
  /** Changes kept for watches to replay; older resourceVersions get 410 Expired. Default 10,000. */
  watchHistoryLimit?: number;
  /** Record every request in `audit` (default true). */
  auditLog?: boolean;
  /** How often watches that allow bookmarks get one, in ms. Default 10,000 (the real server: ~60 s). */
  bookmarkIntervalMs?: number;
  /**
   * How long a deleted namespace stays `Terminating` before it and its objects are removed, in ms.
   * Default 500; 0 removes everything within the DELETE request.
   */
  namespaceFinalizeDelayMs?: number;
}

/** One audited request. */
export interface AuditEntry {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly user: string;
  readonly status: number;
  /** Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection) or the HTTP method for non-resource paths. */
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** ISO 8601 time the request arrived. */
  readonly at: string;
}

/** Read access to stored objects, for assertions. Resources are named `secrets` or `ingresses.networking.k8s.io`. */
export interface SandboxStoreReader {
  /** One object (with apiVersion and kind), or undefined. */
  get(resource: string, namespace: string, name: string): JsonObject | undefined;
  /** All objects of a resource, optionally in one namespace. */
  list(resource: string, namespace?: string): JsonObject[];
  /** The latest resourceVersion. */
  readonly resourceVersion: string;
}

/** A running sandbox. */
export interface Sandbox {
  readonly url: string;
  readonly caPem?: string;
  readonly adminToken: string;
  readonly audit: AuditEntry[];
  readonly faults: FaultInjector;
  readonly store: SandboxStoreReader;
  /** Writes a kubeconfig for `user` (a user name; default the administrator) and `namespace` (default "default"). */
  writeKubeconfig(path: string, opts?: { user?: string; namespace?: string }): Promise<void>;
  /** Ends watches, closes every connection and stops listening. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * kubectl (client-go) never sends a bearer token to a plain-http server, so over http the kubeconfig
 * carries the token as a path prefix of the server URL (`http://127.0.0.1:port/t/<token>`); the prefix is
 * stripped before routing and never recorded in the audit log.
 */
const TOKEN_PREFIX = '/t/';

function requestUrl(req: IncomingMessage): { url: URL; pathToken: string | undefined } {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  if (!url.pathname.startsWith(TOKEN_PREFIX)) return { url, pathToken: undefined };
  const rest = url.pathname.slice(TOKEN_PREFIX.length);
  const slash = rest.indexOf('/');
  const pathToken = slash < 0 ? rest : rest.slice(0, slash);
  url.pathname = slash < 0 ? '/' : rest.slice(slash);
  return { url, pathToken };
}
const ADMIN: SandboxUser = { name: 'admin', groups: ['system:masters'] };

interface RequestInfo {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: JsonValue | object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  sendJson(res, error.code, error.toStatus(), headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, 'BadRequest', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseJsonBody(bytes: Buffer): JsonValue {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ApiError(
      400,
      'BadRequest',
      `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

const REASON_BY_STATUS: Record<number, ApiError['reason']> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

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

function fieldValidationOf(value: string | null, userAgent: string): FieldValidation {
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
      return userAgent === '' ? 'Warn' : 'Warn';
    default:
      throw badRequest(`fieldValidation "${value}" is not supported: use Strict, Warn or Ignore`);
  }
}

/** Starts a sandbox API server. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const registry = new ResourceRegistry();
  const store = new ObjectStore(options.watchHistoryLimit ?? 10_000);
  const finalizeDelayMs = options.namespaceFinalizeDelayMs ?? 500;
  const cleanupTimers = new Set<NodeJS.Timeout>();
  const api = new ResourceApi(
    store,
    registry,
    finalizeDelayMs <= 0
      ? undefined
      : (cleanup) => {
          const timer = setTimeout(() => {
            cleanupTimers.delete(timer);
            cleanup();
          }, finalizeDelayMs);
          cleanupTimers.add(timer);
        },
  );
  const openapi = new OpenApiDocuments(registry);
  const watches = new WatchHub();
  const faultTable = new FaultTable();
  const audit: AuditEntry[] = [];
  const auditEnabled = options.auditLog ?? true;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
  const adminToken = randomBytes(24).toString('hex');
  const users = new Map<string, SandboxUser>([[adminToken, ADMIN]]);
  for (const [token, user] of Object.entries(options.users ?? {})) users.set(token, user);

  // The default namespaces exist from the start, as on a fresh cluster.
  const bootNow = Date.now();
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    api.create(
      registry.namespaces,
      '',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { manager: 'kube-apiserver', fieldValidation: 'Ignore', dryRun: false, nowMs: bootNow, warnings: [] },
    );
  }

  let serverAddress = '';

  const handle = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> => {
    const { url, pathToken } = requestUrl(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const user = userOf(req, pathToken);
    if (user === undefined) throw unauthorized();
    const failure = faultTable.takeFailure(method, url.pathname);
    if (failure !== undefined) {
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds);
      if (failure.body !== undefined) {
        sendJson(res, failure.status, failure.body, headers);
        return;
      }
      const reason = REASON_BY_STATUS[failure.status] ?? 'InternalError';
      const error = new ApiError(
        failure.status,
        reason,
        `injected failure: ${method} ${url.pathname} answered ${failure.status}`,
        {
          ...(failure.retryAfterSeconds === undefined
            ? {}
            : { retryAfterSeconds: failure.retryAfterSeconds }),
        },
      );
      sendError(res, error);
      return;
    }
    const delayMs = faultTable.delayFor(method, url.pathname);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));

    const route = parseRoute(registry, url.pathname);
    if (route.kind !== 'resource') {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      }
      serveNonResource(route, res, pathToken === undefined ? '' : `${TOKEN_PREFIX}${pathToken}`);
      return;
    }
    await serveResource(route, req, res, url, { method, user, info });
  };

  const serveNonResource = (
    route: Exclude<Route, { kind: 'resource' }>,
    res: ServerResponse,
    prefix: string,
  ): void => {
    switch (route.kind) {
      case 'version':
        sendJson(res, 200, SERVER_VERSION);
        return;
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case 'core-versions':
        sendJson(res, 200, coreVersions(serverAddress));
        return;
      case 'group-list':
        sendJson(res, 200, groupList(registry));
        return;
      case 'group': {
        const group = registry.groups().find((g) => g.name === route.group);
        if (group === undefined) break;
        sendJson(res, 200, groupDocument(group.name, group.versions));
        return;
      }
      case 'resource-list':
        sendJson(
          res,
          200,
          resourceList(registry.inGroupVersion(route.group, route.version), route.group, route.version),
        );
        return;
      case 'openapi-index':
        sendJson(res, 200, openapi.index(prefix));
        return;
      case 'openapi-document': {
        const text = openapi.document(route.key);
        if (text === undefined) break;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case 'not-found':
        break;
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  };

  const serveResource = async (
    route: Extract<Route, { kind: 'resource' }>,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    ctx: { method: string; user: SandboxUser; info: RequestInfo },
  ): Promise<void> => {
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
    if (!type.verbs.includes(verb as ResourceType['verbs'][number]) && subresource === '') {
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
      fieldValidation: fieldValidationOf(q.get('fieldValidation'), userAgent),
      dryRun: q.getAll('dryRun').includes('All'),
      nowMs,
      warnings,
    });
    const respondText = (status: number, text: string): void => {
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
      };
      if (warnings.length > 0)
        headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
      res.writeHead(status, headers);
      res.end(text);
    };
    const respond = (status: number, body: JsonValue): void => {
      respondText(status, JSON.stringify(body));
    };
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
            resourceVersion: q.get('resourceVersion') ?? '',
            matches: (o) => labels(labelsOf(o)) && fields(fieldsOf(o, type.fieldSelectors)),
            allowBookmarks: q.get('allowWatchBookmarks') === 'true',
            sendInitialEvents: q.get('sendInitialEvents') === 'true',
            timeoutSeconds: timeout === null ? undefined : Number(timeout),
            bookmarkIntervalMs,
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
        const bytes = await readBody(req);
        if (type.virtual) {
          const body = isProtobufBody(req.headers['content-type'] ?? '')
            ? decodeReview(bytes)
            : parseJsonBody(bytes);
          respond(
            201,
            type.kind === 'SelfSubjectReview' ? selfReview(ctx.user) : accessReview(body, ctx.user),
          );
          return;
        }
        const body = parseJsonBody(bytes);
        respond(201, api.create(type, namespace, body, writeOptions()));
        return;
      }
      case 'update': {
        const body = parseJsonBody(await readBody(req));
        respond(200, api.update(type, { namespace, name, subresource }, body, writeOptions()));
        return;
      }
      case 'patch': {
        const patchType = patchTypeOf(req.headers['content-type'] ?? '');
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
  };

  const selfReview = (user: SandboxUser): JsonObject => ({
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, groups: [...(user.groups ?? []), 'system:authenticated'] } },
  });

  const accessReview = (body: JsonValue, user: SandboxUser): JsonObject => {
    if (!isJsonObject(body)) throw badRequest('the request body must be a SelfSubjectAccessReview object');
    const spec = childObject(body, 'spec') ?? {};
    const ra = childObject(spec, 'resourceAttributes');
    let allowed: boolean;
    if (ra !== undefined) {
      allowed = isAllowed(user, {
        verb: childString(ra, 'verb') ?? '',
        group: childString(ra, 'group') ?? '',
        resource: childString(ra, 'resource') ?? '',
        subresource: childString(ra, 'subresource') ?? '',
        namespace: childString(ra, 'namespace') ?? '',
        name: childString(ra, 'name') ?? '',
      });
    } else {
      // Non-resource URLs (discovery, /version, /openapi) are open to every authenticated user.
      allowed = user.rules === undefined || childObject(spec, 'nonResourceAttributes') !== undefined;
    }
    const status: JsonObject = { allowed };
    if (allowed)
      status['reason'] =
        user.rules === undefined
          ? 'the sandbox administrator may do anything'
          : 'allowed by the sandbox role table';
    return {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status,
    };
  };

  const userOf = (req: IncomingMessage, pathToken: string | undefined): SandboxUser | undefined =>
    authenticate(
      req.headers.authorization ?? (pathToken === undefined ? undefined : `Bearer ${pathToken}`),
      users,
    );

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const at = new Date().toISOString();
    const { url, pathToken } = requestUrl(req);
    const info: RequestInfo = {
      verb: (req.method ?? 'GET').toLowerCase(),
      resource: '',
      namespace: '',
      name: '',
    };
    if (auditEnabled) {
      res.on('finish', () => {
        audit.push({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.search.replace(/^\?/, ''),
          user: userOf(req, pathToken)?.name ?? '',
          status: res.statusCode,
          verb: info.verb,
          resource: info.resource,
          namespace: info.namespace,
          name: info.name,
          at,
        });
      });
    }
    handle(req, res, info).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof ApiError) {
        sendError(res, error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      sendError(
        res,
        new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { cause: error }),
      );
    });
  };

  let server: Server;
  let caPem: string | undefined;
  if (options.tls === true) {
    const material = await generateServingCertificate(new Date());
    caPem = material.caPem;
    server = createHttpsServer({ cert: material.certPem, key: material.keyPem }, listener);
  } else {
    server = createHttpServer(listener);
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  serverAddress = `${hostPart}:${address.port}`;
  const url = `${options.tls === true ? 'https' : 'http'}://${serverAddress}`;

  const resolveResource = (resource: string): ResourceType => {
    const dot = resource.indexOf('.');
    const plural = dot < 0 ? resource : resource.slice(0, dot);
    const group = dot < 0 ? '' : resource.slice(dot + 1);
    const type = registry.all.find((r) => r.plural === plural && r.group === group);
    if (type === undefined) {
      throw new RangeError(
        `Unknown resource "${resource}": use a plural name such as "secrets" or "ingresses.networking.k8s.io"`,
      );
    }
    return type;
  };

  const sandbox: Sandbox = {
    url,
    ...(caPem === undefined ? {} : { caPem }),
    adminToken,
    audit,
    faults: {
      failNext: (rule) => {
        faultTable.addFailure(rule);
      },
      delay: (rule) => {
        faultTable.addDelay(rule);
      },
      clearDelays: () => {
        faultTable.clearDelays();
      },
      closeWatches: () => {
        watches.closeAll();
      },
      expireHistory: () => {
        store.expireHistory();
      },
    },
    store: {
      get: (resource, namespace, name) => {
        const type = resolveResource(resource);
        const object = store.get(type, namespace, name);
        return object === undefined ? undefined : structuredClone(withTypeMeta(type, object));
      },
      list: (resource, namespace) => {
        const type = resolveResource(resource);
        return store.list(type, namespace).map((o) => structuredClone(withTypeMeta(type, o)));
      },
      get resourceVersion() {
        return String(store.resourceVersion);
      },
    },
    writeKubeconfig: async (path, opts = {}) => {
      const userName = opts.user ?? ADMIN.name;
      const token = [...users].find(([, u]) => u.name === userName)?.[0];
      if (token === undefined) {
        throw new RangeError(
          `Cannot write a kubeconfig for user "${userName}": the sandbox has no such user, add it to the users option`,
        );
      }
      await writeFile(
        path,
        renderKubeconfig({
          server: caPem === undefined ? `${url}${TOKEN_PREFIX}${token}` : url,
          ...(caPem === undefined ? {} : { caPem }),
          userName,
          token,
          namespace: opts.namespace ?? 'default',
        }),
        { mode: 0o600 },
      );
    },
    close: async () => {
      for (const timer of cleanupTimers) clearTimeout(timer);
      cleanupTimers.clear();
      watches.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
  return sandbox;
}
