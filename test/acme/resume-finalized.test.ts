import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers, type CsrChoice } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import type { PebbleRig } from '../support/pebble.js';
import { type Http01TestServer } from './challenge-solvers.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';
import { assertIssued } from './issued-certificate.js';

describe('obtainCertificate() resumes a finalized order with the key persisted for it (Pebble)', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  let client: AcmeClient;

  let testbed: AcmeTestbed;

  before(async () => {
    testbed = await startAcmeTestbed({ authzReusePercent: 0 });
    ({ rig, http01, client } = testbed);
  });

  after(() => testbed.close());

  async function keyAndCsr(names: readonly string[]) {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    return { key, der: (await createCsr(key, names)).der };
  }

  it('completes a valid order with the persisted key instead of opening a new one', async () => {
    const names = ['valid.example.test'];
    const persisted = await keyAndCsr(names);
    const first = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: persisted.der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    // The process died after finalize: the order is valid, only its URL and key were kept.
    const fresh = await keyAndCsr(names);
    const resumed = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: fresh.der,
      persistedCsrDer: persisted.der,
      existingOrderUrl: first.orderUrl,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    assert.equal(resumed.orderUrl, first.orderUrl, 'the same order, no new one');
    assert.equal(resumed.csr, 'persisted');
    assertIssued({
      chainPem: resumed.certificatePem,
      rootPem: await rig.rootPem(),
      key: persisted.key,
      names,
      nowMs: Date.now(),
    });
  });

  it('opens a new order for a valid one whose key was not persisted (its certificate is of no use)', async () => {
    const names = ['lost-key.example.test'];
    const lost = await keyAndCsr(names);
    const first = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: lost.der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    const fresh = await keyAndCsr(names);
    const again = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: fresh.der,
      existingOrderUrl: first.orderUrl,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    assert.notEqual(again.orderUrl, first.orderUrl);
    assert.equal(again.csr, 'fresh');
  });

  it('does not finalize when the key cannot be persisted, and finalizes the ready order later with it', async () => {
    const names = ['ready.example.test'];
    const pending = await keyAndCsr(names);
    let orderUrl: string | undefined;
    const choices: CsrChoice[] = [];
    await assert.rejects(
      obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: pending.der,
        solver: http01.solver,
        pollIntervalMs: 50,
        onOrder: (url) => {
          orderUrl = url;
        },
        beforeFinalize: (choice) => {
          choices.push(choice);
          return Promise.reject(new Error('the Secret cannot take the key'));
        },
      }),
      /the Secret cannot take the key/,
    );
    assert.deepEqual(choices, ['fresh']);
    assert.ok(orderUrl !== undefined);
    assert.equal((await client.getOrder(orderUrl)).status, 'ready', 'not finalized without its key stored');
    const fresh = await keyAndCsr(names);
    const resumed = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: fresh.der,
      persistedCsrDer: pending.der,
      existingOrderUrl: orderUrl,
      solver: http01.solver,
      pollIntervalMs: 50,
      beforeFinalize: (choice) => {
        choices.push(choice);
        return Promise.resolve();
      },
    });
    assert.equal(resumed.orderUrl, orderUrl);
    assert.deepEqual(choices, ['fresh', 'persisted']);
    assertIssued({
      chainPem: resumed.certificatePem,
      rootPem: await rig.rootPem(),
      key: pending.key,
      names,
      nowMs: Date.now(),
    });
  });
});
