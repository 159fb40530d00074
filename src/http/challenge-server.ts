import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import type { ChallengeStore } from '../ports/challenge-store.js';
import { listenHttp, type RunningHttpServer } from './http-listener.js';
import { requestHost } from './request-host.js';

/** The path prefix ACME validation servers fetch (RFC 8555 §8.3). */
export const CHALLENGE_PATH = '/.well-known/acme-challenge';
/** kube-lego's self-check path: answers this process's instance id. */
export const SELFTEST_PATH = `${CHALLENGE_PATH}/_selftest`;

// Tokens are base64url (RFC 8555 §8.1). Anything else (dots, slashes, encoded characters) can never
// be a token, which also rules out path traversal before the store is consulted.
const TOKEN = /^[A-Za-z0-9_-]+$/;

const NO_CACHE = {
  'Content-Type': 'text/plain',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
} as const;

/** What the server did with one request, for the caller's debug log (kube-lego's `acme` context lines). */
export type ChallengeRequestEvent =
  | { readonly kind: 'served'; readonly host: string; readonly token: string }
  | { readonly kind: 'token-not-found'; readonly host: string | undefined; readonly token: string }
  | { readonly kind: 'not-found'; readonly path: string };

/** Options of the challenge request handler. */
export interface ChallengeHandlerOptions {
  readonly store: ChallengeStore;
  /** Served at `_selftest` (see createInstanceId()). */
  readonly instanceId: string;
  /** kube-lego's version, shown in the 404 body. */
  readonly version: string;
  /** `/readyz` answers 200 once this returns true (the informers have synced). */
  readonly isReady: () => boolean;
  /** Appended to `/readyz`'s `ok` (`leader=false`), for replicas that elect a leader. */
  readonly readyDetail?: () => string;
  readonly onRequest?: (event: ChallengeRequestEvent) => void;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The request path without query or fragment; absolute-form targets are reduced to their path. */
function pathOf(req: IncomingMessage): string {
  const target = req.url ?? '/';
  const path = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/]*/i, '') || '/' : target;
  return path.replace(/[?#].*$/, '');
}

/**
 * The request handler of kube-lego's HTTP server (routes of 0.1.7 plus `/readyz`): `/` and `/healthz`
 * answer `ok`, `_selftest` the instance id, `/.well-known/acme-challenge/<token>` the key authorization
 * stored for exactly that Host and token, and anything else kube-lego's 404 text.
 */
export function createChallengeHandler(options: ChallengeHandlerOptions): RequestListener {
  const notFound = `kube-lego (version ${options.version}) - 404 not found`;
  return (req, res) => {
    const path = pathOf(req);
    switch (path) {
      case '/':
        // The GCE load balancer's default health check probes `/`.
        send(res, 200, 'ok', NO_CACHE);
        return;
      case '/healthz':
        send(res, 200, 'ok', { 'Content-Type': 'text/plain' });
        return;
      case '/readyz':
        if (options.isReady()) {
          const detail = options.readyDetail?.();
          send(res, 200, detail === undefined ? 'ok' : `ok ${detail}`, NO_CACHE);
        } else send(res, 503, 'not ready: waiting for the informer caches to sync', NO_CACHE);
        return;
      case CHALLENGE_PATH:
        send(res, 301, 'Moved Permanently', { ...NO_CACHE, Location: `${CHALLENGE_PATH}/` });
        return;
      case SELFTEST_PATH:
        send(res, 200, options.instanceId, NO_CACHE);
        return;
    }
    const token = path.startsWith(`${CHALLENGE_PATH}/`) ? path.slice(CHALLENGE_PATH.length + 1) : undefined;
    if (token === undefined || !TOKEN.test(token)) {
      options.onRequest?.({ kind: 'not-found', path });
      send(res, 404, notFound, NO_CACHE);
      return;
    }
    const host = requestHost(req.headers.host);
    const keyAuthorization = host === undefined ? undefined : options.store.lookup(host, token);
    if (host === undefined || keyAuthorization === undefined) {
      options.onRequest?.({ kind: 'token-not-found', host, token });
      send(res, 404, notFound, NO_CACHE);
      return;
    }
    options.onRequest?.({ kind: 'served', host, token });
    send(res, 200, keyAuthorization, NO_CACHE);
    options.store.markFetched(host, token);
  };
}

/** A listening challenge server. */
export type RunningChallengeServer = RunningHttpServer;

/** Options of {@link startChallengeServer}. */
export interface ChallengeServerOptions extends ChallengeHandlerOptions {
  /** `LEGO_PORT`; 0 picks a free port. */
  readonly port: number;
  /** Listen address. @default all interfaces */
  readonly host?: string;
}

/** The HTTP server cannot listen on `LEGO_PORT` (in use, or not allowed); start-up stops with exit code 1. */
export class ChallengeServerListenError extends KubeLegoError {
  override readonly name = 'ChallengeServerListenError';
  readonly code = 'listenFailed';

  /** A start-up failure: the configuration must change. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'Unknown' };
  }
}

/** kube-lego 0.1.7's `error starting http server on :<port>` line, with the cause and the fix. */
function listenError(port: number, err: Error): ChallengeServerListenError {
  const code = 'code' in err ? err.code : undefined;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is already in use; stop the process that listens on it or set LEGO_PORT to a free port'
      : code === 'EACCES'
        ? 'not allowed to listen on it; ports below 1024 need privileges kube-lego does not have, set LEGO_PORT to 1024 or above'
        : `${err.message}; set LEGO_PORT to a free port`;
  return new ChallengeServerListenError(
    `error starting http server on :${port} (LEGO_PORT=${port}): ${why}`,
    {
      cause: err,
    },
  );
}

/** Starts kube-lego's HTTP server; rejects with ChallengeServerListenError when the port cannot be bound. */
export function startChallengeServer(options: ChallengeServerOptions): Promise<RunningChallengeServer> {
  const server = createServer(createChallengeHandler(options));
  // Validation servers and probes send one request per connection; idle sockets must not pile up.
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return listenHttp(server, {
    port: options.port,
    ...(options.host === undefined ? {} : { host: options.host }),
    listenError: (err) => listenError(options.port, err),
  });
}
