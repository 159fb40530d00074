import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { classifyAcmeError } from '../../src/acme/classify-acme-error.js';
import { AcmeOrderError, AcmeProblemError, AcmeTransportError } from '../../src/acme/errors.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { inspectCertificate } from '../../src/x509/inspect-certificate.js';
import { generateKey } from '../../src/x509/private-key.js';
import type { PebbleRig } from '../support/pebble.js';
import { challtestDns01Solver, type Http01TestServer } from './challenge-solvers.js';
import { startAcmeTestbed, type AcmeTestbed } from './acme-testbed.js';
import { assertIssued } from './issued-certificate.js';

describe('obtainCertificate() against Pebble', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  let client: AcmeClient;

  let testbed: AcmeTestbed;

  before(async () => {
    testbed = await startAcmeTestbed({ authzReusePercent: 0 });
    ({ rig, http01, client } = testbed);
  });

  after(() => testbed.close());

  /** The chain verifies up to this Pebble's root, for the key and exactly the names, valid now. */
  const assertIssuedHere = async (
    chainPem: string,
    key: Parameters<typeof assertIssued>[0]['key'],
    names: readonly string[],
  ): Promise<void> => {
    assertIssued({ chainPem, rootPem: await rig.rootPem(), key, names, nowMs: Date.now() });
  };

  it('issues a certificate for 3 names over http-01 that verifies up to the root', async () => {
    const names = ['a.example.test', 'b.example.test', 'c.example.test'];
    const key = await generateKey({ type: 'rsa', bits: 2048 });
    const csr = await createCsr(key, names);
    let reportedOrder: string | undefined;
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: csr.der,
      solver: http01.solver,
      pollIntervalMs: 50,
      onOrder: (url) => {
        reportedOrder = url;
      },
    });
    assert.equal(reportedOrder, result.orderUrl);
    await assertIssuedHere(result.certificatePem, key, names);
    assert.ok(http01.requests() >= 3, 'the VA fetched the tokens from the test server');
    assert.equal(http01.served.size, 0, 'every presented token was cleaned up');
  });

  it('issues a certificate for 2 names over dns-01 with TXT records in challtestsrv', async () => {
    const names = ['dns1.example.test', 'dns2.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const solver = challtestDns01Solver(rig);
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver,
      pollIntervalMs: 50,
    });
    await assertIssuedHere(result.certificatePem, key, names);
    assert.equal(solver.live.size, 0, 'every TXT record was cleared');
  });

  it('issues a wildcard certificate over dns-01', async () => {
    const names = ['*.wild.example.test', 'wild.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-384' });
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: challtestDns01Solver(rig),
      pollIntervalMs: 50,
    });
    await assertIssuedHere(result.certificatePem, key, names);
  });

  it('issues one certificate for a mixed order: the solver is chosen per authorization', async () => {
    const names = ['mixed.example.test', '*.mixed.example.test', 'other.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const dns01 = challtestDns01Solver(rig);
    const fetchedBefore = http01.requests();
    const chosen: string[] = [];
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: (authz) => {
        const solver = authz.wildcard ? dns01 : http01.solver;
        chosen.push(`${authz.wildcard ? '*.' : ''}${authz.identifier.value} ${solver.type}`);
        return solver;
      },
      pollIntervalMs: 50,
    });
    await assertIssuedHere(result.certificatePem, key, names);
    assert.deepEqual(chosen.sort(), [
      '*.mixed.example.test dns-01',
      'mixed.example.test http-01',
      'other.example.test http-01',
    ]);
    assert.ok(http01.requests() - fetchedBefore >= 2, 'the VA fetched both http-01 tokens');
    assert.equal(dns01.live.size, 0, 'the TXT record was cleared');
    assert.equal(http01.served.size, 0, 'the tokens were cleaned up');
  });

  it('issues a certificate for an IP address identifier over http-01 (RFC 8738)', async () => {
    const names = ['127.0.0.1'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const identifiers = toIdentifiers(names);
    assert.deepEqual(identifiers, [{ type: 'ip', value: '127.0.0.1' }]);
    const result = await obtainCertificate(client, {
      identifiers,
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      pollIntervalMs: 50,
    });
    assert.deepEqual(inspectCertificate(result.certificatePem).ipAddresses, names);
    await assertIssuedHere(result.certificatePem, key, names);
  });

  it('refuses a wildcard over http-01 with challengeUnavailable, naming the wildcard', async () => {
    const names = ['*.nohttp.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    await assert.rejects(
      obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        solver: http01.solver,
        pollIntervalMs: 50,
      }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeOrderError);
        assert.equal(err.code, 'challengeUnavailable');
        assert.match(err.message, /"\*\.nohttp\.example\.test": wildcard names need the dns-01 challenge/);
        assert.equal(classifyAcmeError(err), 'terminal');
        return true;
      },
    );
  });

  it('ends a challenge that cannot validate in a typed error naming the identifier, and deactivates its authorization', async () => {
    const names = ['broken.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    let orderUrl = '';
    http01.setBroken(true);
    try {
      await assert.rejects(
        obtainCertificate(client, {
          identifiers: toIdentifiers(names),
          csrDer: (await createCsr(key, names)).der,
          solver: http01.solver,
          pollIntervalMs: 50,
          onOrder: (url) => {
            orderUrl = url;
          },
        }),
        (err: unknown) => {
          assert.ok(err instanceof AcmeProblemError, String(err));
          assert.ok(['unauthorized', 'incorrectResponse', 'connection'].includes(err.code), err.code);
          assert.equal(err.subproblems[0]?.identifier?.value, 'broken.example.test');
          assert.equal(classifyAcmeError(err), 'transient');
          return true;
        },
      );
    } finally {
      http01.setBroken(false);
    }
    const order = await client.getOrder(orderUrl);
    assert.equal(order.status, 'invalid');
    const authz = await client.getAuthorization(order.authorizations[0]!);
    assert.equal(authz.status, 'deactivated');
  });

  it('picks the chain whose top issuer matches preferredChain, and falls back to the default chain', async () => {
    const rootCn = inspectCertificate(await rig.rootPem()).subjectCn ?? '';
    assert.match(rootCn, /Pebble/);
    for (const preferredChain of [rootCn, 'No Such Root X9']) {
      const names = [`chain-${preferredChain.length}.example.test`];
      const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
      const result = await obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        solver: http01.solver,
        preferredChain,
        pollIntervalMs: 50,
      });
      const first = result.chains?.[0];
      assert.ok(first !== undefined, 'the examined chains are reported');
      assert.equal(first.topIssuerCn, rootCn);
      assert.equal(result.certificatePem, first.pem);
      await assertIssuedHere(result.certificatePem, key, names);
    }
  });

  it('cleans up every presented challenge when one present() fails, and reports that failure', async () => {
    const names = ['p1.example.test', 'p2.example.test', 'p3.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const presented = new Set<string>();
    const cleaned = new Set<string>();
    const failure = new Error('cannot publish p2');
    await assert.rejects(
      obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        pollIntervalMs: 50,
        solver: {
          type: 'http-01',
          present: async (authz) => {
            presented.add(authz.identifier.value);
            await new Promise((resolve) => setTimeout(resolve, 20));
            if (authz.identifier.value === 'p2.example.test') throw failure;
          },
          cleanup: (authz) => {
            cleaned.add(authz.identifier.value);
            return Promise.resolve();
          },
        },
      }),
      (err: unknown) => err === failure,
    );
    assert.deepEqual([...cleaned].sort(), [...presented].sort());
    assert.ok(presented.has('p2.example.test'));
  });

  it('gives up with pollLimitReached when the caller allows no polls, naming the order to resume', async () => {
    const names = ['bounded.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    let orderUrl: string | undefined;
    await assert.rejects(
      obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        solver: http01.solver,
        maxPolls: 0,
        onOrder: (url) => {
          orderUrl = url;
        },
      }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeOrderError, String(err));
        assert.equal(err.code, 'pollLimitReached');
        assert.equal(err.orderUrl, orderUrl);
        assert.equal(classifyAcmeError(err), 'transient');
        return true;
      },
    );
    assert.equal(http01.served.size, 0, 'the presented token was cleaned up');
  });

  it('stops polling when the caller aborts, and still cleans up', async () => {
    const names = ['aborted.example.test'];
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const controller = new AbortController();
    await assert.rejects(
      obtainCertificate(client, {
        identifiers: toIdentifiers(names),
        csrDer: (await createCsr(key, names)).der,
        pollIntervalMs: 60_000,
        signal: controller.signal,
        solver: {
          ...http01.solver,
          present: async (authz, challenge, keyAuthorization) => {
            await http01.solver.present(authz, challenge, keyAuthorization);
            setTimeout(() => {
              controller.abort();
            }, 100);
          },
        },
      }),
      (err: unknown) => err instanceof AcmeTransportError && err.code === 'aborted',
    );
    assert.equal(http01.served.size, 0, 'the presented token was cleaned up');
  });

  it('resumes a pending order from its URL instead of creating a new one', async () => {
    const names = ['resume.example.test'];
    const identifiers = toIdentifiers(names);
    const pending = await client.newOrder({ identifiers });
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(client, {
      identifiers,
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      existingOrderUrl: pending.url,
      pollIntervalMs: 50,
    });
    assert.equal(result.orderUrl, pending.url);
    await assertIssuedHere(result.certificatePem, key, names);
  });
});
