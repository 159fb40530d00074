import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AcmeClient } from '../../src/acme/acme-client.js';
import { generateAccountKey } from '../../src/acme/account-key.js';
import { ariCertId } from '../../src/acme/ari-cert-id.js';
import { AcmeOrderRefusedError, AcmeProblemError } from '../../src/acme/errors.js';
import { obtainCertificate, toIdentifiers } from '../../src/acme/obtain-certificate.js';
import { inspectCertificate } from '../../src/x509/inspect-certificate.js';
import { createCsr } from '../../src/x509/create-csr.js';
import { generateKey } from '../../src/x509/private-key.js';
import { createForeignCertificate } from '../support/foreign-certificate.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startHttp01TestServer, type Http01TestServer } from './challenge-solvers.js';

describe('ACME Renewal Information against Pebble', () => {
  let rig: PebbleRig;
  let http01: Http01TestServer;
  let client: AcmeClient;
  const requests: string[] = [];

  const refusals: string[] = [];
  const issue = async (names: readonly string[], replaces?: string, by = client): Promise<string> => {
    const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
    const result = await obtainCertificate(by, {
      identifiers: toIdentifiers(names),
      csrDer: (await createCsr(key, names)).der,
      solver: http01.solver,
      replaces,
      onReplacesRefused: (refusal) => refusals.push(refusal.code),
      pollIntervalMs: 50,
    });
    return result.certificatePem;
  };
  const foreignCertId = async (names: readonly string[]): Promise<string> => {
    const nowMs = Date.now();
    const foreign = await createForeignCertificate(names, {
      notBeforeMs: nowMs - 80 * 86_400_000,
      notAfterMs: nowMs + 10 * 86_400_000,
    });
    return ariCertId(foreign.certPem);
  };

  before(async () => {
    rig = await startPebble({ authzReusePercent: 0 });
    http01 = await startHttp01TestServer(rig.httpPort);
    client = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
      onRequest: (request) => requests.push(`${request.method} ${request.url}`),
    });
    await client.createAccount({ termsOfServiceAgreed: true });
  });

  after(async () => {
    client.close();
    await http01.close();
    await rig.stop();
  });

  it('finds renewalInfo in the directory', async () => {
    const directory = await client.directory();
    assert.match(directory.renewalInfo ?? '', /^https:\/\/localhost:\d+\//);
  });

  it('returns a window inside the validity of a fresh certificate', async () => {
    const pem = await issue(['ari-fresh.example.test']);
    const cert = inspectCertificate(pem);
    const info = await client.renewalInfo(pem);
    assert.ok(info.window.startMs < info.window.endMs);
    assert.ok(info.window.startMs >= cert.notBeforeMs, 'window starts before notBefore');
    assert.ok(info.window.endMs <= cert.notAfterMs, 'window ends after notAfter');
  });

  it('sees the window and explanation set through Pebble management', async () => {
    const pem = await issue(['ari-set.example.test']);
    const start = new Date(Date.UTC(2020, 0, 1, 0, 0, 0));
    const end = new Date(Date.UTC(2020, 0, 2, 0, 0, 0));
    await rig.setRenewalInfo(pem, { start, end }, 'https://example.test/incident');
    const info = await client.renewalInfo(pem);
    assert.deepEqual(info.window, { startMs: start.getTime(), endMs: end.getTime() });
    assert.equal(info.explanationUrl, 'https://example.test/incident');
  });

  it('orders with replaces, and a second order replacing the same certificate gets alreadyReplaced', async () => {
    const names = ['ari-replace.example.test'];
    const original = await issue(names);
    const renewed = await issue(names, ariCertId(original));
    assert.notEqual(inspectCertificate(renewed).serialHex, inspectCertificate(original).serialHex);
    await assert.rejects(
      client.newOrder({ identifiers: toIdentifiers(names), replaces: ariCertId(original) }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeProblemError, String(err));
        assert.equal(err.code, 'alreadyReplaced');
        assert.equal(err.type, 'urn:ietf:params:acme:error:alreadyReplaced');
        return true;
      },
    );
  });

  it('a newOrder refused for replaces is an AcmeOrderRefusedError: Pebble answers malformed for another CA', async () => {
    const names = ['ari-refused.example.test'];
    await assert.rejects(
      client.newOrder({ identifiers: toIdentifiers(names), replaces: await foreignCertId(names) }),
      (err: unknown) => {
        assert.ok(err instanceof AcmeOrderRefusedError, String(err));
        assert.equal(err.code, 'malformed');
        assert.equal(err.status, 400);
        return true;
      },
    );
  });

  it('obtainCertificate orders without replaces when the CA answers malformed (another CA issued it)', async () => {
    const names = ['ari-foreign.example.test'];
    refusals.length = 0;
    const pem = await issue(names, await foreignCertId(names));
    assert.deepEqual(inspectCertificate(pem).dnsNames, names);
    assert.deepEqual(refusals, ['malformed']);
  });

  it('obtainCertificate orders without replaces when the CA answers unauthorized (another account ordered it)', async () => {
    const names = ['ari-other-account.example.test'];
    const other = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
    });
    try {
      await other.createAccount({ termsOfServiceAgreed: true });
      const theirs = await issue(names, undefined, other);
      refusals.length = 0;
      const pem = await issue(names, ariCertId(theirs));
      assert.deepEqual(inspectCertificate(pem).dnsNames, names);
      assert.deepEqual(refusals, ['unauthorized']);
    } finally {
      other.close();
    }
  });

  it('obtainCertificate retries once and reports the second failure when the order fails without replaces too', async () => {
    const names = ['ari-second-failure.example.test'];
    const gone = new AcmeClient({
      directoryUrl: rig.directoryUrl,
      caPem: rig.caPem,
      accountKey: await generateAccountKey(),
      onRequest: (request) => requests.push(`${request.method} ${request.url}`),
    });
    try {
      await gone.createAccount({ termsOfServiceAgreed: true });
      await gone.deactivateAccount();
      const newOrderUrl = `POST ${(await gone.directory()).newOrder}`;
      const before = requests.filter((r) => r === newOrderUrl).length;
      const retriesBefore = gone.stats.badNonceRetries;
      refusals.length = 0;
      // A deactivated account is refused with unauthorized whatever the order says: with replaces and without.
      await assert.rejects(issue(names, await foreignCertId(names), gone), (err: unknown) => {
        assert.ok(err instanceof AcmeOrderRefusedError, String(err));
        assert.equal(err.code, 'unauthorized');
        return true;
      });
      assert.deepEqual(refusals, ['unauthorized']);
      // newOrder is the only POST here, so Pebble's badNonce rejections are the only other repeats.
      const badNonceRetries = gone.stats.badNonceRetries - retriesBefore;
      assert.equal(
        requests.filter((r) => r === newOrderUrl).length - before - badNonceRetries,
        2,
        'one retry without replaces, no loop',
      );
    } finally {
      gone.close();
    }
  });

  it('obtainCertificate retries without replaces when the CA answers alreadyReplaced', async () => {
    const names = ['ari-retry.example.test'];
    const original = await issue(names);
    await issue(names, ariCertId(original));
    const newOrderUrl = `POST ${(await client.directory()).newOrder}`;
    const before = requests.filter((r) => r === newOrderUrl).length;
    refusals.length = 0;
    const again = await issue(names, ariCertId(original));
    assert.deepEqual(refusals, ['alreadyReplaced']);
    assert.deepEqual(inspectCertificate(again).dnsNames, names);
    // Two newOrder requests (badNonce retries aside): the refused one with replaces, the one without.
    assert.ok(requests.filter((r) => r === newOrderUrl).length - before >= 2);
  });
});
