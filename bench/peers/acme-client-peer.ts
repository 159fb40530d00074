import { Agent } from 'node:https';
import acme from 'acme-client';
import {
  concurrentBatch,
  describeError,
  type AcmeTarget,
  type BatchOutcome,
  type BatchRequest,
  type IssueOutcome,
  type Peer,
} from '../peer.js';
import { startHttp01Responder, type Http01Responder } from '../http01-responder.js';

// The library's default polling (5 s minimum, doubling) dominates everything on Pebble; 100 ms flat is how a
// user who cares about latency would configure it. 600 attempts bound a poll at about a minute.
const polling = { backoffAttempts: 600, backoffMin: 100, backoffMax: 100 } as const;

interface Session {
  readonly client: acme.Client;
  readonly responder: Http01Responder;
}

function trust(target: AcmeTarget): void {
  // acme-client talks through its exported axios instance; give it an agent that trusts Pebble's CA in
  // addition to nothing else (the benchmark never talks to a public CA).
  acme.axios.defaults.httpsAgent = new Agent({ ca: target.caPem, keepAlive: true });
}

async function newSession(target: AcmeTarget, responder: Http01Responder): Promise<Session> {
  const accountKey = await acme.crypto.createPrivateEcdsaKey('P-256');
  return {
    client: new acme.Client({ directoryUrl: target.directoryUrl, accountKey, ...polling }),
    responder,
  };
}

async function obtain(session: Session, names: readonly string[], email: string): Promise<IssueOutcome> {
  const started = performance.now();
  try {
    const [keyBuffer, csr] = await acme.crypto.createCsr(
      { commonName: names[0] ?? '', altNames: [...names] },
      await acme.crypto.createPrivateEcdsaKey('P-256'),
    );
    const bundlePem = await session.client.auto({
      csr,
      email,
      termsOfServiceAgreed: true,
      // Its self-check resolves names through the system resolver, which does not know the benchmark names.
      skipChallengeVerification: true,
      challengePriority: ['http-01'],
      challengeCreateFn: (_authz, challenge, keyAuthorization) => {
        session.responder.set(challenge.token, keyAuthorization);
        return Promise.resolve();
      },
      challengeRemoveFn: (_authz, challenge) => {
        session.responder.remove(challenge.token);
        return Promise.resolve();
      },
    });
    return {
      ok: true,
      elapsedMs: performance.now() - started,
      bundlePem,
      keyPem: keyBuffer.toString('utf8'),
    };
  } catch (error) {
    return { ok: false, elapsedMs: performance.now() - started, error: describeError(error) };
  }
}

/** acme-client 5.4.0 in-process with auto(), polling every 100 ms, ECDSA P-256 keys like the CLIs' defaults. */
export function acmeClientPeer(): Peer {
  return {
    id: 'acme-client',
    name: 'acme-client (npm, in-process)',
    kind: 'in-process',
    probe: async () => {
      const { createRequire } = await import('node:module');
      const manifest: unknown = createRequire(import.meta.url)('acme-client/package.json');
      const version =
        typeof manifest === 'object' && manifest !== null && 'version' in manifest
          ? String(manifest.version)
          : 'unknown';
      return { available: true, version };
    },
    issue: async (request) => {
      trust(request.target);
      const responder = await startHttp01Responder(request.target.httpPort);
      try {
        // A fresh account per certificate, like a first CLI run: the key generation is part of the time.
        const started = performance.now();
        const session = await newSession(request.target, responder);
        const outcome = await obtain(session, request.names, request.email);
        return { ...outcome, elapsedMs: performance.now() - started };
      } finally {
        await responder.close();
      }
    },
    issueMany: async (request: BatchRequest): Promise<BatchOutcome> => {
      trust(request.target);
      const responder = await startHttp01Responder(request.target.httpPort);
      try {
        const started = performance.now();
        const session = await newSession(request.target, responder);
        return await concurrentBatch(request, started, (names) => obtain(session, names, request.email));
      } finally {
        await responder.close();
      }
    },
  };
}
