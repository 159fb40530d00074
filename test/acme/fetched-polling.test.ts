import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers, type ChallengeSolver } from '../../src/acme/obtain-certificate.js';
import { Http01Solvers } from '../../src/adapters/http01/http01-solver.js';
import { startChallengeServer, type RunningChallengeServer } from '../../src/http/challenge-server.js';
import { MemoryChallengeStore } from '../../src/http/challenge-store.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { assertIssued } from './issued-certificate.js';
import { silentLog } from '../support/silent-log.js';

const log = silentLog;

// Far longer than Pebble needs for a whole order: a run that finishes well inside it did not wait for it.
const slowPollMs = 3_000;

describe('polling once the CA has fetched every token (Pebble, kube-lego challenge server)', () => {
  let rig: PebbleRig;
  let server: RunningChallengeServer;
  let client: AcmeClient;
  let solver: ChallengeSolver;
  let rootPem: string;

  before(async () => {
    rig = await startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 });
    rootPem = await rig.rootPem();
    const store = new MemoryChallengeStore();
    server = await startChallengeServer({
      port: rig.httpPort,
      host: '127.0.0.1',
      store,
      instanceId: 'fetched-polling',
      version: 'test',
      isReady: () => true,
    });
    const solvers = new Http01Solvers({
      tokens: store,
      routers: new Map(),
      selfCheck: { kind: 'wait', delayMs: 0 },
      log,
    });
    solver = solvers.solverFor({
      provider: 'nginx',
      ingressClass: 'nginx',
      classSource: 'default',
      ingresses: ['default/web'],
    });
    client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
    });
    await client.createAccount({ termsOfServiceAgreed: true });
  });

  after(async () => {
    client.close();
    await server.close();
    await rig.stop();
  });

  async function issue(names: string[], withSolver: ChallengeSolver): Promise<number> {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const started = performance.now();
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: withSolver,
      firstPollDelayMs: slowPollMs,
      pollIntervalMs: slowPollMs,
    });
    const elapsedMs = performance.now() - started;
    assertIssued({ chainPem: result.certificatePem, rootPem, key, names, nowMs: Date.now() });
    return elapsedMs;
  }

  it('polls the order right after the last token was served, not after the validation delay', async () => {
    const elapsedMs = await issue(['a.fetched.test', 'b.fetched.test', 'c.fetched.test'], solver);
    // Validation (3 s) and, before issue 19, processing (also 3 s) would each have waited the whole delay.
    assert.ok(elapsedMs < slowPollMs, `issued in ${elapsedMs.toFixed(0)} ms`);
  });

  it('keeps the validation delay for a solver that cannot tell when the CA fetched', async () => {
    const blind: ChallengeSolver = {
      type: solver.type,
      present: (authz, challenge, keyAuthorization) => solver.present(authz, challenge, keyAuthorization),
      cleanup: (authz, challenge, keyAuthorization) => solver.cleanup(authz, challenge, keyAuthorization),
    };
    const elapsedMs = await issue(['blind.fetched.test'], blind);
    assert.ok(elapsedMs >= slowPollMs, `issued in ${elapsedMs.toFixed(0)} ms`);
    // Processing starts at 10 ms whatever the validation delay: one validation wait, not two.
    assert.ok(elapsedMs < 2 * slowPollMs, `issued in ${elapsedMs.toFixed(0)} ms`);
  });
});
