import { generateAccountKey } from '../../src/acme/account-key.js';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers, type ChallengeSolver } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey, keyToPem } from '../../src/x509/private-key.js';
import { VERSION } from '../../src/version.js';
import { startHttp01Responder, type Http01Responder } from '../http01-responder.js';
import {
  describeError,
  concurrentBatch,
  type AcmeTarget,
  type BatchOutcome,
  type BatchRequest,
  type IssueOutcome,
  type Peer,
} from '../peer.js';

/** How obtainCertificate polls: the library's own schedule, or the floor's fixed tight interval. */
interface Polling {
  readonly firstPollDelayMs?: number;
  readonly processingPollDelayMs?: number;
  readonly pollIntervalMs: number;
}

// The same polling interval acme-client gets in this benchmark, so the two libraries are compared like for like.
const libraryPolling: Polling = { pollIntervalMs: 100 };
// The floor: every poll 10 ms after the last, whatever the phase (Pebble's own cost, not our schedule's).
const floorPolling: Polling = { firstPollDelayMs: 10, processingPollDelayMs: 10, pollIntervalMs: 10 };

function solverFor(responder: Http01Responder): ChallengeSolver {
  return {
    type: 'http-01',
    present: (_authz, challenge, keyAuthorization) => {
      if (challenge.token !== undefined) responder.set(challenge.token, keyAuthorization);
      return Promise.resolve();
    },
    cleanup: (_authz, challenge) => {
      if (challenge.token !== undefined) responder.remove(challenge.token);
      return Promise.resolve();
    },
  };
}

async function newAccount(target: AcmeTarget, email: string): Promise<AcmeClient> {
  const client = new AcmeClient({
    directoryUrl: target.directoryUrl,
    accountKey: await generateAccountKey(),
    caPem: target.caPem,
  });
  await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${email}`] });
  return client;
}

async function obtain(
  client: AcmeClient,
  responder: Http01Responder,
  names: readonly string[],
  polling: Polling,
): Promise<IssueOutcome> {
  const started = performance.now();
  try {
    // A fresh certificate key per issuance, as the controller does; ECDSA P-256 like the other peers' defaults.
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const csr = await createCsr(key, names);
    const { certificatePem } = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: csr.der,
      solver: solverFor(responder),
      ...polling,
    });
    return {
      ok: true,
      elapsedMs: performance.now() - started,
      bundlePem: certificatePem,
      keyPem: keyToPem(key),
    };
  } catch (error) {
    return { ok: false, elapsedMs: performance.now() - started, error: describeError(error) };
  }
}

/** kube-lego's own ACME client in-process: a new account, a fresh key, `obtainCertificate` over http-01. */
export function kubeLegoAcmePeer(): Peer {
  return {
    id: 'kube-lego-acme',
    name: "kube-lego's ACME client (in-process)",
    kind: 'in-process',
    probe: () => Promise.resolve({ available: true, version: VERSION }),
    issue: async (request) => {
      const responder = await startHttp01Responder(request.target.httpPort);
      let client: AcmeClient | undefined;
      try {
        // Account creation and key generation are part of the time, as for a first CLI run.
        const started = performance.now();
        client = await newAccount(request.target, request.email);
        const outcome = await obtain(client, responder, request.names, libraryPolling);
        return { ...outcome, elapsedMs: performance.now() - started };
      } catch (error) {
        return { ok: false, elapsedMs: 0, error: describeError(error) };
      } finally {
        client?.close();
        await responder.close();
      }
    },
    issueMany: async (request: BatchRequest): Promise<BatchOutcome> => {
      const responder = await startHttp01Responder(request.target.httpPort);
      let client: AcmeClient | undefined;
      const started = performance.now();
      try {
        client = await newAccount(request.target, request.email);
        const account = client;
        return await concurrentBatch(request, started, (names) =>
          obtain(account, responder, names, libraryPolling),
        );
      } catch (error) {
        const failed: IssueOutcome = { ok: false, elapsedMs: 0, error: describeError(error) };
        return {
          elapsedMs: performance.now() - started,
          mode: 'failed',
          results: request.certificates.map(() => failed),
        };
      } finally {
        client?.close();
        await responder.close();
      }
    },
  };
}

/**
 * The floor of case 1: kube-lego's ACME client on an account registered before the timing starts (kept for
 * every run), polling every 10 ms. What is left is Pebble's own cost for one order plus the key and the CSR,
 * the reference the controller's time is divided by.
 */
export function kubeLegoFloorPeer(): Peer {
  let account: { directoryUrl: string; client: AcmeClient } | undefined;
  const accountFor = async (target: AcmeTarget, email: string): Promise<AcmeClient> => {
    if (account?.directoryUrl === target.directoryUrl) return account.client;
    account?.client.close();
    account = { directoryUrl: target.directoryUrl, client: await newAccount(target, email) };
    return account.client;
  };
  return {
    id: 'kube-lego-floor',
    name: "floor: kube-lego's ACME client, existing account, 10 ms polling",
    kind: 'in-process',
    probe: () => Promise.resolve({ available: true, version: VERSION }),
    issue: async (request) => {
      const responder = await startHttp01Responder(request.target.httpPort);
      try {
        const client = await accountFor(request.target, request.email);
        return await obtain(client, responder, request.names, floorPolling);
      } catch (error) {
        return { ok: false, elapsedMs: 0, error: describeError(error) };
      } finally {
        await responder.close();
      }
    },
    issueMany: async (request: BatchRequest): Promise<BatchOutcome> => {
      const responder = await startHttp01Responder(request.target.httpPort);
      try {
        const client = await accountFor(request.target, request.email);
        return await concurrentBatch(request, performance.now(), (names) =>
          obtain(client, responder, names, floorPolling),
        );
      } finally {
        await responder.close();
      }
    },
    release: () => {
      account?.client.close();
      account = undefined;
      return Promise.resolve();
    },
  };
}
