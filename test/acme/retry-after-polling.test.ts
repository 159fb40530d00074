import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { pollDelayMs } from '../../src/acme/poll-delay.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { type Http01TestServer } from './challenge-solvers.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';

describe('Retry-After from Pebble (retryAfter: 1 s)', () => {
  let testbed: AcmeTestbed;
  let http01: Http01TestServer;
  let client: AcmeClient;

  before(async () => {
    testbed = await startAcmeTestbed({ authzReusePercent: 0, retryAfter: { authz: 1, order: 1 } });
    ({ http01, client } = testbed);
  });

  after(async () => {
    await testbed.close();
  });

  it('reads the Retry-After Pebble sends on an order that is processing', async () => {
    const names = ['processing.example.test'];
    const identifiers = toIdentifiers(names);
    const order = await client.newOrder({ identifiers });
    const authz = await client.getAuthorization(order.authorizations[0]!);
    const challenge = authz.challenges.find((c) => c.type === 'http-01')!;
    const keyAuthorization = client.keyAuthorization(challenge.token!);
    await http01.solver.present(authz, challenge, keyAuthorization);
    try {
      await client.respondToChallenge(challenge.url);
      let ready = await client.getOrder(order.url);
      for (let polls = 0; ready.status === 'pending' && polls < 50; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ready = await client.getOrder(order.url);
      }
      assert.equal(ready.status, 'ready');
    } finally {
      await http01.solver.cleanup(authz, challenge, keyAuthorization);
    }
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const finalized = await client.finalizeOrder(order, (await createCsr(key, names)).der);
    assert.equal(finalized.status, 'processing');
    // Pebble sends an HTTP date one second ahead (second precision): at most a second, never negative.
    assert.ok(finalized.retryAfterMs !== undefined, 'Retry-After was parsed');
    assert.ok(finalized.retryAfterMs >= 0 && finalized.retryAfterMs <= 1_000, `${finalized.retryAfterMs} ms`);
  });

  it('issues while Pebble sends Retry-After on authorizations and orders', async () => {
    const names = ['patient.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    assert.match(result.certificatePem, /-----BEGIN CERTIFICATE-----/);
  });
});

describe('pollDelayMs()', () => {
  const cases = [
    {
      what: "the server's Retry-After over the caller's interval",
      policy: { pollIntervalMs: 10 },
      retryAfterMs: 3_000,
      polls: 0,
      expected: 3_000,
    },
    {
      what: 'a shorter Retry-After too',
      policy: { pollIntervalMs: 1_000 },
      retryAfterMs: 200,
      polls: 5,
      expected: 200,
    },
    {
      what: '100 ms before the first poll by default',
      policy: {},
      retryAfterMs: undefined,
      polls: 0,
      expected: 100,
    },
    {
      what: 'twice as long on each further poll',
      policy: {},
      retryAfterMs: undefined,
      polls: 2,
      expected: 400,
    },
    { what: 'at most one second by default', policy: {}, retryAfterMs: undefined, polls: 4, expected: 1_000 },
    {
      what: "at most the caller's interval without Retry-After",
      policy: { pollIntervalMs: 250 },
      retryAfterMs: undefined,
      polls: 7,
      expected: 250,
    },
    {
      what: "from the caller's first delay",
      policy: { firstPollDelayMs: 20, pollIntervalMs: 250 },
      retryAfterMs: undefined,
      polls: 1,
      expected: 40,
    },
    {
      what: 'no longer than the interval even for the first poll',
      policy: { pollIntervalMs: 50 },
      retryAfterMs: undefined,
      polls: 0,
      expected: 50,
    },
    {
      what: 'the cap for a huge Retry-After',
      policy: { maxPollDelayMs: 60_000 },
      retryAfterMs: 86_400_000,
      polls: 0,
      expected: 60_000,
    },
    { what: 'the default cap of 30 s', policy: {}, retryAfterMs: 3_600_000, polls: 0, expected: 30_000 },
  ];
  for (const { what, policy, retryAfterMs, polls, expected } of cases) {
    it(`waits ${what}`, () => {
      assert.equal(pollDelayMs(policy, retryAfterMs, polls), expected);
    });
  }
});
