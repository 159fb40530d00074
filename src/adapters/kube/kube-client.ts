import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { KubeConnection } from './kube-connection.js';
import { KubeApiError, kubeErrorFromResponse } from './kube-errors.js';

/** One REST call; `path` is the absolute API path (`/api/v1/namespaces/x/secrets/y`). */
export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Defaults to application/json; PATCH callers pass the patch type. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** A watch: a GET whose stream is ended once it stays silent for longer than the limit. */
export interface WatchRequest extends KubeRequest {
  /** How long the stream may stay silent (also the wait for the response head); read after each chunk. */
  readonly silenceLimitMs: () => number;
  /** Called once the response head has arrived, when the stream is open. */
  readonly onOpen?: () => void;
}

/** One decoded line of a watch stream. */
export interface KubeWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/** One request as it ended: its response status, or undefined when no response arrived. */
export interface KubeExchange {
  readonly method: KubeRequest['method'];
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly status: number | undefined;
}

export interface KubeClientOptions {
  readonly userAgent: string;
  /** Deadline for non-watch requests. */
  readonly requestTimeoutMs: number;
  /** Called once per request sent (for metrics and request-economy tests). */
  readonly onRequest?: (method: string, path: string) => void;
  /** Called once per request sent, when its response head arrived or it failed without one (metrics). */
  readonly onResponse?: (exchange: KubeExchange) => void;
}

function buildPath(path: string, query: KubeRequest['query']): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, value);
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/**
 * A small JSON client for the Kubernetes REST API over node:http(s) with keep-alive.
 * Every non-2xx answer becomes a KubeApiError; transport failures too (code `transport`/`timeout`).
 */
export class KubeClient {
  readonly #connection: KubeConnection;
  readonly #options: KubeClientOptions;
  readonly #agent: http.Agent;
  readonly #secure: boolean;

  constructor(connection: KubeConnection, options: KubeClientOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#secure = connection.serverUrl.protocol === 'https:';
    this.#agent = this.#secure
      ? new https.Agent({ keepAlive: true, maxSockets: 32 })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  /** Sends one request and returns the decoded JSON body (undefined for an empty body). */
  async request(req: KubeRequest): Promise<unknown> {
    let res: IncomingMessage;
    try {
      res = await this.#send(req, this.#options.requestTimeoutMs);
    } catch (err) {
      // A keep-alive socket the server closed just as it was reused fails with ECONNRESET before the
      // request reached it (Node's documented race with the server's keep-alive timeout): any request is
      // sent once more on a fresh socket then; a GET also after a reset on a new socket. A repeated write
      // is safe: a create answers 409, an update carries its resourceVersion, an Event is a record.
      if (
        !isConnectionReset(err) ||
        (req.method !== 'GET' && !(err instanceof KubeApiError && RESET_ON_REUSED_SOCKET.has(err)))
      )
        throw err;
      res = await this.#send(req, this.#options.requestTimeoutMs);
    }
    const text = await readBody(res, req);
    const body = parseJson(text);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw kubeErrorFromResponse({
        status,
        body,
        retryAfter: headerValue(res.headers['retry-after']),
        request: { method: req.method, path: req.path },
        nowMs: Date.now(),
      });
    }
    return body;
  }

  /**
   * Opens a watch and calls `onEvent` for each line until the server ends the stream (resolves) or the
   * stream breaks (rejects). A stream silent (no event, no bookmark) for `silenceLimitMs()` is ended as
   * broken: a silent partition leaves the socket open and quiet, and only a timeout tells it from a calm
   * cluster. The limit is read again after each chunk, so the caller may tighten it as it learns.
   */
  async watch(req: WatchRequest, onEvent: (event: KubeWatchEvent) => void): Promise<void> {
    const res = await this.#send(req, req.silenceLimitMs());
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(res, req);
      throw kubeErrorFromResponse({
        status,
        body: parseJson(text),
        retryAfter: headerValue(res.headers['retry-after']),
        request: { method: req.method, path: req.path },
        nowMs: Date.now(),
      });
    }
    req.onOpen?.();
    // The watchdog replaces the socket's fixed idle timer, which cannot follow a limit that changes.
    res.socket.setTimeout(0);
    let watchdog: NodeJS.Timeout | undefined;
    let silent: KubeApiError | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      const limitMs = req.silenceLimitMs();
      watchdog = setTimeout(() => {
        silent = new KubeApiError({
          code: 'timeout',
          message: `Watch of ${req.path} sent nothing, not even a bookmark, for ${limitMs} ms: ending it as broken and listing again (a silent network partition or a dropped connection)`,
          request: { method: req.method, path: req.path },
        });
        res.destroy(silent);
      }, limitMs);
    };
    arm();
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        arm();
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') {
            try {
              onEvent(JSON.parse(line) as KubeWatchEvent);
            } catch (err) {
              res.destroy(err instanceof Error ? err : new Error(String(err)));
              return;
            }
          }
          newline = buffered.indexOf('\n');
        }
        // Again after the lines: a bookmark among them may have changed the limit.
        arm();
      });
      res.on('close', () => {
        clearTimeout(watchdog);
      });
      res.on('end', () => {
        resolve();
      });
      res.on('error', (err) => {
        reject(transportError(req, err));
      });
      res.on('aborted', () => {
        reject(silent ?? transportError(req, new Error('watch stream aborted')));
      });
    });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }

  async #send(req: KubeRequest, idleTimeoutMs: number): Promise<IncomingMessage> {
    const base = await this.#connection.requestOptions();
    const url = this.#connection.serverUrl;
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: OutgoingHttpHeaders = {};
    const baseHeaders: unknown = base.headers;
    if (typeof baseHeaders === 'object' && baseHeaders !== null && !Array.isArray(baseHeaders)) {
      Object.assign(headers, baseHeaders);
    }
    headers.accept = 'application/json';
    headers['user-agent'] = this.#options.userAgent;
    if (payload !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const prefix = url.pathname.replace(/\/$/, '');
    const options: https.RequestOptions = {
      ...base,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? (this.#secure ? 443 : 80) : Number(url.port),
      method: req.method,
      path: prefix + buildPath(req.path, req.query),
      headers,
      agent: this.#agent,
      ...(req.signal === undefined ? {} : { signal: req.signal }),
    };
    this.#options.onRequest?.(req.method, req.path);
    const transport = this.#secure ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const silent = (): KubeApiError =>
        new KubeApiError({
          code: 'timeout',
          message: `Kubernetes API ${req.method} ${req.path} got no data for ${idleTimeoutMs} ms`,
          request: { method: req.method, path: req.path },
        });
      // Until the response head arrives, a plain timer: the socket's idle timer is armed only once a TLS
      // socket has connected and so fired after twice the time against a server that never answers.
      const headTimer = setTimeout(() => {
        outgoing.destroy(silent());
      }, idleTimeoutMs);
      let reported = false;
      const report = (status: number | undefined): void => {
        if (reported) return;
        reported = true;
        this.#options.onResponse?.({ method: req.method, path: req.path, query: req.query ?? {}, status });
      };
      const outgoing = transport.request(options, (res) => {
        clearTimeout(headTimer);
        report(res.statusCode);
        // The idle timer keeps running over the body so a silent watch or a stalled body is cut off.
        resolve(res);
      });
      outgoing.setTimeout(idleTimeoutMs, () => {
        outgoing.destroy(silent());
      });
      outgoing.on('error', (err) => {
        clearTimeout(headTimer);
        report(undefined);
        const failure = transportError(req, err);
        if (outgoing.reusedSocket) RESET_ON_REUSED_SOCKET.add(failure);
        reject(failure);
      });
      if (payload !== undefined) outgoing.write(payload);
      outgoing.end();
    });
  }
}

/** Transport errors of requests sent on a kept-alive socket (Node's `reusedSocket`). */
const RESET_ON_REUSED_SOCKET = new WeakSet<object>();

function isConnectionReset(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.code !== 'transport') return false;
  const cause: unknown = err.cause;
  return typeof cause === 'object' && cause !== null && 'code' in cause && cause.code === 'ECONNRESET';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function transportError(req: KubeRequest, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const aborted = err instanceof Error && err.name === 'AbortError';
  return new KubeApiError({
    code: aborted ? 'timeout' : 'transport',
    message: `Kubernetes API ${req.method} ${req.path} failed: ${err instanceof Error ? err.message : String(err)}`,
    request: { method: req.method, path: req.path },
    cause: err,
  });
}

function readBody(res: IncomingMessage, req: KubeRequest): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', (err) => {
      reject(transportError(req, err));
    });
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}
