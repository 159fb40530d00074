import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { challtestDns01Solver, startHttp01TestServer, type Http01TestServer } from './challenge-solvers.js';
import { assertIssued } from './issued-certificate.js';

describe('badNonce handling with PEBBLE_WFE_NONCEREJECT=50', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  let client: AcmeClient;

  before(async () => {
    rig = await startPebble({ nonceRejectPercent: 50, authzReusePercent: 0 });
    http01 = await startHttp01TestServer(rig.httpPort);
    // At 50 % a request needs more than 20 retries once in 2^21 tries: far below one failure per CI year.
    client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
      maxBadNonceRetries: 20,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
  });

  after(async () => {
    client.close();
    await http01.close();
    await rig.stop();
  });

  it('still issues over http-01, dns-01 and a wildcard, retrying rejected nonces transparently', async () => {
    const root = await rig.rootPem();
    const cases = [
      { names: ['n1.example.test', 'n2.example.test', 'n3.example.test'], solver: http01.solver },
      { names: ['n4.example.test', 'n5.example.test'], solver: challtestDns01Solver(rig) },
      { names: ['*.n6.example.test'], solver: challtestDns01Solver(rig) },
    ];
    for (const { names, solver } of cases) {
      const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
      const result = await obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        solver,
        pollIntervalMs: 50,
      });
      assertIssued({ chainPem: result.certificatePem, rootPem: root, key, names, nowMs: Date.now() });
    }
    const { badNonceRetries, requests } = client.stats;
    // About half of ~40 signed requests are rejected; fewer than 5 retries would mean the knob did not work.
    assert.ok(badNonceRetries >= 5, `only ${badNonceRetries} badNonce retries in ${requests} requests`);
  });
});
