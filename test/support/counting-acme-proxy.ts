import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createThrowawayTls } from '../../dev/tls/throwaway-tls.js';

/** Pebble's answer to a forwarded request, as it came back (whether or not the client was still there). */
export interface ProxiedResponse {
  readonly status: number;
  /** The body as UTF-8 text (ACME answers are JSON or PEM). */
  readonly body: string;
}

/** One request the proxy forwarded: method and path as the client sent them. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** When the request arrived (`Date.now()`). */
  readonly atMs: number;
  /** The decoded JWS payload of a POST (`undefined` for POST-as-GET and other requests). */
  readonly payload: unknown;
  /** The decoded JWS protected header of a POST (`jwk` or `kid`, `url`, `nonce`); `undefined` otherwise. */
  readonly protectedHeader: unknown;
  /** Set once Pebble has answered. */
  readonly response?: ProxiedResponse;
  /** The status the client got: Pebble's, or the injected fault's. */
  readonly status?: number;
  /** True when a `failNext` fault answered it (Pebble never saw it). */
  readonly injected?: boolean;
}

/**
 * Answers the next `count` matching requests itself, as a CA in trouble would: `status`, a `Retry-After`
 * header and an RFC 8555 problem document (`application/problem+json`), without forwarding them.
 */
export interface AcmeProxyFault {
  /** Matched against the request path (`/order-plz` is Pebble's newOrder). */
  readonly pathPattern: RegExp;
  /** @default 'POST' */
  readonly method?: string;
  readonly count: number;
  readonly status: number;
  readonly retryAfterSeconds?: number;
  /** The problem `type`, e.g. `urn:ietf:params:acme:error:rateLimited`. */
  readonly problemType: string;
  readonly detail: string;
}

/** A base64url JSON member of a flattened JWS request body, decoded; `undefined` when there is none. */
function jwsMember(body: Buffer, member: 'payload' | 'protected'): unknown {
  try {
    const jws = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const encoded = jws[member];
    if (typeof encoded !== 'string' || encoded === '') return undefined;
    return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Whether a newOrder payload names `host` among its identifiers. */
function ordersHost(payload: unknown, host: string): boolean {
  const identifiers = (payload as { identifiers?: unknown } | undefined)?.identifiers;
  return (
    Array.isArray(identifiers) && identifiers.some((id) => (id as { value?: unknown } | null)?.value === host)
  );
}

/** An HTTPS proxy in front of Pebble that counts what the client asked the CA, independent of our logs. */
export interface CountingAcmeProxy {
  /** The directory URL through the proxy (Pebble builds its URLs from the Host header: they stay on it). */
  readonly directoryUrl: string;
  /** The throwaway CA of the proxy's listener: the client's LEGO_ACME_CA_FILE. */
  readonly caPem: string;
  readonly requests: readonly ProxiedRequest[];
  /** newOrder requests (Pebble's `/order-plz`) naming `host`, injected faults included. */
  ordersFor(host: string): number;
  /** The newOrder requests naming `host`, in arrival order. */
  orderRequestsFor(host: string): readonly ProxiedRequest[];
  /** Queues a fault: the next `fault.count` matching requests are answered by the proxy. */
  failNext(fault: AcmeProxyFault): void;
  /**
   * Runs `hook` once Pebble has answered a matching request, before the answer goes back to the client
   * (a crash "right after finalize" kills the client here).
   */
  afterResponse(pattern: RegExp, hook: () => Promise<void> | void): void;
  /** Runs `hook` before a matching request is forwarded. */
  beforeRequest(pattern: RegExp, hook: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port, forwarding to the Pebble directory at `pebbleDirectoryUrl`. */
export async function startCountingAcmeProxy(options: {
  readonly pebbleDirectoryUrl: string;
  readonly pebbleCaPem: string;
}): Promise<CountingAcmeProxy> {
  const upstream = new URL(options.pebbleDirectoryUrl);
  const tls = await createThrowawayTls();
  const requests: { -readonly [K in keyof ProxiedRequest]: ProxiedRequest[K] }[] = [];
  const faults: { fault: AcmeProxyFault; remaining: number }[] = [];
  const takeFault = (method: string, path: string): AcmeProxyFault | undefined => {
    const index = faults.findIndex(
      ({ fault }) => (fault.method ?? 'POST') === method && fault.pathPattern.test(path),
    );
    const entry = faults[index];
    if (entry === undefined) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  };
  const orderRequestsFor = (host: string): ProxiedRequest[] =>
    requests.filter(
      (r) => r.method === 'POST' && r.path.startsWith('/order-plz') && ordersHost(r.payload, host),
    );
  const before: { pattern: RegExp; hook: () => Promise<void> | void }[] = [];
  const after: { pattern: RegExp; hook: () => Promise<void> | void }[] = [];
  const run = async (hooks: typeof before, path: string): Promise<void> => {
    for (const { pattern, hook } of hooks) if (pattern.test(path)) await hook();
  };
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks);
      const entry: (typeof requests)[number] = {
        method,
        path,
        atMs: Date.now(),
        payload: jwsMember(body, 'payload'),
        protectedHeader: jwsMember(body, 'protected'),
      };
      requests.push(entry);
      const fault = takeFault(method, path);
      if (fault !== undefined) {
        entry.injected = true;
        entry.status = fault.status;
        const problem = { type: fault.problemType, detail: fault.detail, status: fault.status };
        res.writeHead(fault.status, {
          'Content-Type': 'application/problem+json',
          ...(fault.retryAfterSeconds === undefined
            ? {}
            : { 'Retry-After': String(fault.retryAfterSeconds) }),
        });
        res.end(JSON.stringify(problem));
        return;
      }
      void (async () => {
        await run(before, path);
        const answer = await new Promise<{
          status: number;
          headers: Record<string, string | string[]>;
          body: Buffer;
        }>((resolve, reject) => {
          const forwarded = https.request(
            {
              host: upstream.hostname,
              port: upstream.port,
              method,
              path,
              headers: req.headers,
              ca: options.pebbleCaPem,
              agent: false,
            },
            (upstreamRes) => {
              const body: Buffer[] = [];
              upstreamRes.on('data', (chunk: Buffer) => body.push(chunk));
              upstreamRes.on('end', () => {
                const headers: Record<string, string | string[]> = {};
                for (const [name, value] of Object.entries(upstreamRes.headers))
                  if (value !== undefined) headers[name] = value;
                resolve({ status: upstreamRes.statusCode ?? 502, headers, body: Buffer.concat(body) });
              });
              upstreamRes.on('error', reject);
            },
          );
          forwarded.on('error', reject);
          forwarded.end(body);
        });
        entry.response = { status: answer.status, body: answer.body.toString('utf8') };
        await run(after, path);
        entry.status = answer.status;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })().catch(() => {
        res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    directoryUrl: `https://localhost:${port}${upstream.pathname}`,
    caPem: tls.caPem,
    requests,
    ordersFor: (host) => orderRequestsFor(host).length,
    orderRequestsFor,
    failNext: (fault) => {
      if (!Number.isInteger(fault.count) || fault.count < 1)
        throw new RangeError(`Cannot inject ${fault.count} faults: count must be a positive integer`);
      faults.push({ fault, remaining: fault.count });
    },
    afterResponse: (pattern, hook) => {
      after.push({ pattern, hook });
    },
    beforeRequest: (pattern, hook) => {
      before.push({ pattern, hook });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
