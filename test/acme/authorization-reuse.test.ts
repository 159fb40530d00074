import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { type Http01TestServer } from './challenge-solvers.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';
import { assertIssued } from './issued-certificate.js';

describe('authorization reuse with PEBBLE_AUTHZREUSE=100', () => {
  let testbed: AcmeTestbed;
  let http01: Http01TestServer;
  let client: AcmeClient;

  before(async () => {
    testbed = await startAcmeTestbed({ authzReusePercent: 100 });
    ({ http01, client } = testbed);
  });

  after(async () => {
    await testbed.close();
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
      rootPem: await testbed.rig.rootPem(),
      key,
      names,
      nowMs: Date.now(),
    });
    assert.equal(http01.presentCalls(), presentsBefore, 'no challenge was presented');
    assert.equal(http01.requests(), vaRequestsBefore, 'the VA validated nothing');
  });
});
