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

export interface CountingProxy {
  /** The same ACME server, reached through the proxy. */
  readonly target: AcmeTarget;
  counts(): RequestCounts;
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

/**
 * A TLS-terminating reverse proxy in front of Pebble that counts requests. It keeps the client's Host header:
 * Pebble builds every URL it returns (and checks every JWS `url`) from that header, so clients keep talking to
 * the proxy for the whole issuance without any rewriting. Clients verify the proxy's own throwaway CA; the
 * proxy verifies Pebble's. It adds a hop, so timings are never taken through it.
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
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const kind = kindOf(path);
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
        if ((answer.statusCode ?? 500) >= 400) errors += 1;
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
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
    reset: () => {
      byKind = {};
      total = 0;
      errors = 0;
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
