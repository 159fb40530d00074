import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { phasePollPolicy, pollDelayMs } from '../../src/acme/poll-delay.js';
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

describe('phasePollPolicy() with pollDelayMs(): the schedule of each phase', () => {
  const caller = { pollIntervalMs: 1_000 };
  const cases = [
    { what: 'validation from 100 ms', phase: 'validation', polls: [0, 1, 2], expected: [100, 200, 400] },
    {
      what: 'a few ms after the CA fetched every token, doubling',
      phase: 'fetched',
      polls: [0, 1, 2, 3],
      expected: [5, 10, 20, 40],
    },
    {
      what: 'processing from 10 ms, doubling',
      phase: 'processing',
      polls: [0, 1, 2],
      expected: [10, 20, 40],
    },
    {
      what: "processing up to the caller's interval",
      phase: 'processing',
      polls: [7, 20],
      expected: [1_000, 1_000],
    },
  ] as const;
  for (const { what, phase, polls, expected } of cases) {
    it(`waits ${what}`, () => {
      const policy = phasePollPolicy(caller, phase);
      assert.deepEqual(
        polls.map((n) => pollDelayMs(policy, undefined, n)),
        expected,
      );
    });
  }

  it("keeps the server's Retry-After and the caller's cap in every phase", () => {
    for (const phase of ['validation', 'fetched', 'processing'] as const) {
      const policy = phasePollPolicy({ maxPollDelayMs: 2_000, fetchedPollDelayMs: 1 }, phase);
      assert.equal(pollDelayMs(policy, 1_500, 0), 1_500);
      assert.equal(pollDelayMs(policy, 60_000, 0), 2_000);
    }
  });

  it("takes the caller's first delays", () => {
    const policy = { firstPollDelayMs: 50, fetchedPollDelayMs: 2, processingPollDelayMs: 30 };
    assert.equal(pollDelayMs(phasePollPolicy(policy, 'validation'), undefined, 0), 50);
    assert.equal(pollDelayMs(phasePollPolicy(policy, 'fetched'), undefined, 0), 2);
    assert.equal(pollDelayMs(phasePollPolicy(policy, 'processing'), undefined, 1), 60);
  });
});
