import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request as httpsRequest, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createThrowawayTls } from '../test/support/throwaway-tls.js';
import type { AcmeTarget } from './peer.js';

/** Requests seen by the proxy, by ACME resource. */
export interface RequestCounts {
  readonly total: number;
  /** Everything but GET of the directory: the number RFC 8555 clients can actually economize on. */
  readonly afterDirectory: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** Responses with status >= 400 (badNonce retries show up here). */
  readonly errors: number;
}

/** One request as the proxy saw it, on the benchmark's clock (epoch milliseconds with a fraction). */
export interface TimedAcmeRequest {
  readonly kind: string;
  readonly method: string;
  /** When the request arrived at the proxy (before it was forwarded). */
  readonly sentAtMs: number;
  /** When the last byte of Pebble's answer was passed on to the client. */
  readonly answeredAtMs: number;
  readonly status: number;
  /** The `status` field of an order (newOrder, order, finalize) in Pebble's answer. */
  readonly orderStatus?: string;
}

export interface CountingProxy {
  /** The same ACME server, reached through the proxy. */
  readonly target: AcmeTarget;
  counts(): RequestCounts;
  /** Every answered request since the last reset, in arrival order. */
  requests(): readonly TimedAcmeRequest[];
  reset(): void;
  close(): Promise<void>;
}

// Pebble's resource paths; anything else is counted as "other".
const kinds: readonly (readonly [string, string])[] = [
  ['/dir', 'directory'],
  ['/nonce-plz', 'newNonce'],
  ['/sign-me-up', 'newAccount'],
  ['/my-account/', 'account'],
  ['/order-plz', 'newOrder'],
  ['/my-order/', 'order'],
  ['/authZ/', 'authorization'],
  ['/chalZ/', 'challenge'],
  ['/finalize-order/', 'finalize'],
  ['/certZ/', 'certificate'],
  ['/draft-ietf-acme-ari', 'renewalInfo'],
];

function kindOf(path: string): string {
  return kinds.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'other';
}

const orderKinds = new Set(['newOrder', 'order', 'finalize']);
/** Epoch milliseconds with sub-millisecond resolution, the clock the sandbox and the driver also use. */
const nowMs = (): number => performance.timeOrigin + performance.now();

function orderStatusOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' &&
      parsed !== null &&
      'status' in parsed &&
      typeof parsed.status === 'string'
      ? parsed.status
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A TLS-terminating reverse proxy in front of Pebble that counts requests. It keeps the client's Host header:
 * Pebble builds every URL it returns (and checks every JWS `url`) from that header, so clients keep talking to
 * the proxy for the whole issuance without any rewriting. Clients verify the proxy's own throwaway CA; the
 * proxy verifies Pebble's. It adds a hop, so the timed runs of the full mode never go through it; the
 * timestamps it records (`requests()`) date the ACME steps of the controller's phase breakdown.
 */
export async function startCountingProxy(upstream: AcmeTarget): Promise<CountingProxy> {
  const tls = await createThrowawayTls();
  const dir = await mkdtemp(join(tmpdir(), 'bench-proxy-'));
  const caFile = join(dir, 'proxy-ca.pem');
  await writeFile(caFile, tls.caPem);
  const upstreamUrl = new URL(upstream.directoryUrl);
  const agent = new Agent({ ca: upstream.caPem, keepAlive: true, servername: upstreamUrl.hostname });

  let byKind: Record<string, number> = {};
  let total = 0;
  let errors = 0;
  let timeline: TimedAcmeRequest[] = [];
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (incoming, outgoing) => {
    const sentAtMs = nowMs();
    const path = incoming.url ?? '/';
    const kind = kindOf(path);
    const method = incoming.method ?? 'GET';
    total += 1;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    const forward = httpsRequest(
      {
        host: '127.0.0.1',
        port: upstreamUrl.port,
        method: incoming.method,
        path,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (status >= 400) errors += 1;
        const chunks: Buffer[] = [];
        if (orderKinds.has(kind)) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        const recorded = timeline;
        answer.on('end', () => {
          const orderStatus =
            chunks.length === 0 ? undefined : orderStatusOf(Buffer.concat(chunks).toString());
          recorded.push({
            kind,
            method,
            sentAtMs,
            answeredAtMs: nowMs(),
            status,
            ...(orderStatus === undefined ? {} : { orderStatus }),
          });
        });
        outgoing.writeHead(status, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => {
      errors += 1;
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const directory = new URL(upstream.directoryUrl);
  directory.port = String(port);
  return {
    target: { directoryUrl: directory.toString(), caPem: tls.caPem, caFile, httpPort: upstream.httpPort },
    counts: () => ({
      total,
      afterDirectory: total - (byKind.directory ?? 0),
      byKind: { ...byKind },
      errors,
    }),
    requests: () => [...timeline].sort((a, b) => a.sentAtMs - b.sentAtMs),
    reset: () => {
      byKind = {};
      total = 0;
      errors = 0;
      timeline = [];
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      agent.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
