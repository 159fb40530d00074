import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startHttp01TestServer, type Http01TestServer } from './challenge-solvers.js';
import { assertIssued } from './issued-certificate.js';

describe('authorization reuse with PEBBLE_AUTHZREUSE=100', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  let client: AcmeClient;

  before(async () => {
    rig = await startPebble({ authzReusePercent: 100 });
    http01 = await startHttp01TestServer(rig.httpPort);
    client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
    });
    await client.createAccount({ termsOfServiceAgreed: true });
  });

  after(async () => {
    client.close();
    await http01.close();
    await rig.stop();
  });

  it('finalizes an order that comes back ready without touching challenges', async () => {
    const names = ['reuse1.example.test', 'reuse2.example.test'];
    const identifiers = toIdentifiers(names);
    const first = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    await obtainCertificate(client, {
      identifiers,
      csrDer: (await createCsr(first, names)).der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    const presentsBefore = http01.presentCalls();
    const vaRequestsBefore = http01.requests();

    const probe = await client.newOrder({ identifiers });
    assert.equal(probe.status, 'ready', 'Pebble reused the valid authorizations');

    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(client, {
      identifiers,
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    assertIssued({
      chainPem: result.certificatePem,
      rootPem: await rig.rootPem(),
      key,
      names,
      nowMs: Date.now(),
    });
    assert.equal(http01.presentCalls(), presentsBefore, 'no challenge was presented');
    assert.equal(http01.requests(), vaRequestsBefore, 'the VA validated nothing');
  });
});
