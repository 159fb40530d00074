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
import { authenticate, unauthorized, type PolicyRule, type SandboxUser } from './access-control.js';
import { ApiError } from './api-error.js';
import { coreVersions, groupDocument, groupList, resourceList, SERVER_VERSION } from './discovery.js';
import { FaultTable, type FaultInjector } from './fault-injector.js';
import { requestUrl, sendError, sendJson, TOKEN_PREFIX } from './http-io.js';
import type { JsonObject } from './json.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { OpenApiDocuments } from './openapi.js';
import { ResourceApi, withTypeMeta } from './resource-api.js';
import { serveResource, type RequestInfo } from './resource-handler.js';
import { gatewayApiResources, RESOURCES, ResourceRegistry, type ResourceType } from './resource-registry.js';
import { parseRoute, type Route } from './route.js';
import { WatchHub } from './watch-stream.js';

export type { PolicyRule } from './access-control.js';
export type { FaultInjector, FailureRule, DelayRule, PartitionRule } from './fault-injector.js';

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
   * How long after a change watches send its event (and each bookmark), in ms. Default 0. A real API
   * server's watches lag its writes (the watch cache, the network): a client that decides from its
   * informer right after its own write meets its older copy there.
   */
  watchLatencyMs?: number;
  /**
   * How long a deleted namespace stays `Terminating` before it and its objects are removed, in ms.
   * Default 500; 0 removes everything within the DELETE request.
   */
  namespaceFinalizeDelayMs?: number;
  /**
   * Serve the Gateway API kinds (`gateway.networking.k8s.io`: GatewayClass, Gateway, HTTPRoute,
   * ReferenceGrant, ListenerSet), as a cluster with the v1.5 standard-channel CRDs installed. Default true;
   * false is a cluster without them (discovery does not list the group, its paths answer 404).
   */
  gatewayApi?: boolean;
}

/** One audited request. */
export interface AuditEntry {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly user: string;
  /** The status answered; 0 for a connection reset by an injected `'reset'` failure. */
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
  /** Whether the sandbox serves a resource (`gateways.gateway.networking.k8s.io` only with `gatewayApi`). */
  serves(resource: string): boolean;
}

/** A running sandbox. */
export interface Sandbox {
  readonly url: string;
  readonly caPem?: string;
  readonly adminToken: string;
  readonly audit: AuditEntry[];
  readonly faults: FaultInjector;
  readonly store: SandboxStoreReader;
  /**
   * Creates `object` in `namespace` as the administrator's POST would (the same checks, metadata,
   * managedFields and watch event), without HTTP and without an audit entry: fixtures of a hundred
   * thousand objects in seconds. Throws the POST's ApiError (e.g. AlreadyExists).
   */
  create(resource: string, namespace: string, object: JsonObject): void;
  /** Writes a kubeconfig for `user` (a user name; default the administrator) and `namespace` (default "default"). */
  writeKubeconfig(path: string, opts?: { user?: string; namespace?: string }): Promise<void>;
  /** Ends watches, closes every connection and stops listening. */
  close(): Promise<void>;
}

const ADMIN: SandboxUser = { name: 'admin', groups: ['system:masters'] };

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

/** Starts a sandbox API server. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const registry = new ResourceRegistry(
    options.gatewayApi === false ? RESOURCES : [...RESOURCES, ...gatewayApiResources()],
  );
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
  const watchLatencyMs = options.watchLatencyMs ?? 0;
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
    if (faultTable.isPartitioned(user.name)) {
      // Accepted and then silence: the request is held, unanswered, until the client gives up.
      await new Promise<void>((resolve) => res.once('close', resolve));
      return;
    }
    const watchParam = url.searchParams.get('watch');
    const failure = faultTable.takeFailure(method, url.pathname, watchParam === 'true' || watchParam === '1');
    if (failure?.kind === 'reset') {
      res.statusCode = 0; // the audit's "no answer"
      req.socket.destroy();
      return;
    }
    if (failure?.kind === 'reset-after') {
      // Served as usual; the answer is replaced by a destroyed connection.
      const drop = (): ServerResponse => {
        res.statusCode = 0;
        req.socket.destroy();
        return res;
      };
      res.writeHead = drop;
      res.end = drop;
    } else if (failure !== undefined) {
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
    await serveResource({ api, store, watches, bookmarkIntervalMs, watchLatencyMs }, route, req, res, url, {
      method,
      user,
      info,
    });
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
      // 'finish' records a request once answered; 'close' also records watches, which end without finishing
      // when the client or `close()` cuts them. Each request is recorded once.
      let audited = false;
      const record = (): void => {
        if (audited) return;
        audited = true;
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
      };
      res.on('finish', record);
      res.on('close', record);
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
    // Loaded only for TLS: the X.509 library is most of the sandbox's import time.
    const { createThrowawayTls } = await import('../tls/throwaway-tls.js');
    const material = await createThrowawayTls();
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
      partition: (rule = {}) => {
        faultTable.partition(rule);
        watches.silence((client) => faultTable.isPartitioned(client));
      },
      heal: () => {
        faultTable.heal();
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
      serves: (resource) => {
        try {
          resolveResource(resource);
          return true;
        } catch {
          return false;
        }
      },
    },
    create: (resource, namespace, object) => {
      api.create(resolveResource(resource), namespace, object, {
        manager: 'unknown',
        fieldValidation: 'Warn',
        dryRun: false,
        nowMs: Date.now(),
        warnings: [],
      });
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
