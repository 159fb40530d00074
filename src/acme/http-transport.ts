import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AcmeResource } from './acme-resource.js';
import { AcmeTransportError, type AcmeRequestRef } from './errors.js';

/** Options of the HTTP transport under the ACME client. */
export interface HttpTransportOptions {
  /** Extra CAs to trust (a private ACME server, Pebble): added to Node's default roots, never replacing them. */
  readonly caPem?: string | readonly string[] | undefined;
  readonly userAgent: string;
  /** Deadline of each single request, response body included. */
  readonly requestTimeoutMs: number;
  /** Aborts every request of this transport (shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Called once per HTTP request before it is sent (request counting in tests and benchmarks). */
  readonly onRequest?: ((request: AcmeRequestRef) => void) | undefined;
  /** Called once per HTTP request when it has ended: its status (or failure) and duration. */
  readonly onResponse?: ((exchange: AcmeExchange) => void) | undefined;
  /** Responses larger than this fail with `invalidResponse`. @default 4 MiB */
  readonly maxResponseBytes?: number | undefined;
}

/** One finished HTTP request, as metrics see it: the resource, never the URL. */
export interface AcmeExchange {
  readonly method: string;
  /** `other` when the caller did not name the resource. */
  readonly resource: AcmeResource | 'other';
  /** The HTTP status; undefined when no response arrived (network, TLS, timeout, abort). */
  readonly status: number | undefined;
  readonly durationMs: number;
}

/** One HTTP request. */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: string;
  /** What the request addresses (reported to `onResponse`). */
  readonly resource?: AcmeResource;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
}

/** A complete HTTP response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

// Node error codes that mean the TLS handshake or certificate check failed, not the network.
const TLS_ERROR_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/**
 * HTTP(S) over `node:https` with one keep-alive agent, so a whole issuance reuses a connection or two.
 * TLS verification is always on; `caPem` only adds trust anchors.
 */
export class HttpTransport {
  readonly #options: HttpTransportOptions;
  readonly #httpsAgent: https.Agent;
  readonly #httpAgent: http.Agent;
  #requestCount = 0;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    const extra =
      options.caPem === undefined
        ? []
        : typeof options.caPem === 'string'
          ? [options.caPem]
          : [...options.caPem];
    // One secure context for the client's lifetime: passing `ca` to the agent makes Node build a new
    // context from ~150 roots for every new connection (~170 ms each on a loaded machine).
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      ...(extra.length > 0
        ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] }) }
        : {}),
    });
    this.#httpAgent = new http.Agent({ keepAlive: true });
  }

  /** Number of HTTP requests sent so far. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** Sends one request and reads the whole response; network, TLS, timeout and abort failures are typed. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const ref: AcmeRequestRef = { method: request.method, url: request.url };
    const parsed = parseUrl(request.url, ref);
    this.#requestCount += 1;
    this.#options.onRequest?.(ref);
    const timeout = AbortSignal.timeout(this.#options.requestTimeoutMs);
    const signals = [timeout, this.#options.signal, request.signal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = AbortSignal.any(signals);
    const startedMs = performance.now();
    const report = (status: number | undefined): void => {
      this.#options.onResponse?.({
        method: request.method,
        resource: request.resource ?? 'other',
        status,
        durationMs: performance.now() - startedMs,
      });
    };
    try {
      const response = await this.#send(parsed, request, signal);
      report(response.status);
      return response;
    } catch (err) {
      report(undefined);
      throw toTransportError(err, {
        ref,
        timedOut: timeout.aborted,
        timeoutMs: this.#options.requestTimeoutMs,
      });
    }
  }

  /** Closes the pooled connections. */
  close(): void {
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }

  #send(url: URL, request: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const headers: http.OutgoingHttpHeaders = {
      'user-agent': this.#options.userAgent,
      'accept-language': 'en',
    };
    if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(request.body);
    }
    const secure = url.protocol === 'https:';
    const send = secure ? https.request : http.request;
    const maxBytes = this.#options.maxResponseBytes ?? 4 * 1024 * 1024;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = send(
        url,
        { method: request.method, headers, agent: secure ? this.#httpsAgent : this.#httpAgent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              req.destroy(new ResponseTooLargeError(maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
  }
}

class ResponseTooLargeError extends KubeLegoError {
  readonly code = 'responseTooLarge';

  constructor(readonly maxBytes: number) {
    super(`response larger than ${maxBytes} bytes`);
  }

  override get reaction(): Reaction {
    return { kind: 'backOff', reason: 'Unknown' };
  }
}

function parseUrl(url: string, ref: AcmeRequestRef): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new AcmeTransportError({
      code: 'invalidResponse',
      message: `Cannot request "${url}": not a URL`,
      request: ref,
      cause: err,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AcmeTransportError({
      code: 'invalidResponse',
      message: `Cannot request "${url}": only https and http URLs are supported`,
      request: ref,
    });
  }
  return parsed;
}

function toTransportError(
  err: unknown,
  context: { ref: AcmeRequestRef; timedOut: boolean; timeoutMs: number },
): AcmeTransportError {
  const { ref } = context;
  const where = `${ref.method} ${ref.url}`;
  if (err instanceof ResponseTooLargeError) {
    return new AcmeTransportError({
      code: 'invalidResponse',
      message: `ACME request ${where} failed: the response is larger than ${err.maxBytes} bytes`,
      request: ref,
    });
  }
  if (context.timedOut) {
    return new AcmeTransportError({
      code: 'timeout',
      message: `ACME request ${where} timed out after ${context.timeoutMs} ms`,
      request: ref,
      cause: err,
    });
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'AbortError') {
    return new AcmeTransportError({
      code: 'aborted',
      message: `ACME request ${where} was aborted`,
      request: ref,
      cause: err,
    });
  }
  const code =
    typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const tlsFailure = TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
  const reason = err instanceof Error ? err.message : String(err);
  return new AcmeTransportError({
    code: tlsFailure ? 'tls' : 'network',
    message: tlsFailure
      ? `ACME request ${where} failed TLS verification (${code}): trust the server's CA with caPem if it is a private CA`
      : `ACME request ${where} failed: ${reason}`,
    request: ref,
    cause: err,
  });
}
