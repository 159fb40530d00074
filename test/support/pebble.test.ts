import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { createThrowawayTls } from './throwaway-tls.js';
import { testHttpRequest } from './https-request.js';
import { startPebble, type PebbleRig } from './pebble.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

describe('startPebble()', () => {
  let rig: PebbleRig;

  before(async () => {
    rig = await startPebble({
      nonceRejectPercent: 0,
      profiles: {
        classic: { description: 'ninety days', validityPeriodSeconds: 7_776_000 },
        shortlived: { description: 'six days', validityPeriodSeconds: 518_400 },
      },
    });
  });
  after(async () => {
    await rig.stop();
  });

  it('serves a directory with renewalInfo and the configured profiles over verified TLS', async () => {
    const response = await testHttpRequest({ url: rig.directoryUrl, ca: rig.caPem });
    assert.equal(response.status, 200);
    const directory: unknown = JSON.parse(response.body);
    assert.ok(isRecord(directory));
    assert.equal(typeof directory.newOrder, 'string');
    assert.match(String(directory.renewalInfo), /^https:\/\/localhost:\d+\//);
    assert.ok(isRecord(directory.meta));
    assert.deepEqual(directory.meta.profiles, { classic: 'ninety days', shortlived: 'six days' });
  });

  it('rootPem() returns a CA certificate that signed intermediatePem()', async () => {
    const root = new x509.X509Certificate(await rig.rootPem());
    const basic = root.getExtension(x509.BasicConstraintsExtension);
    assert.equal(basic?.ca, true);
    const intermediate = new x509.X509Certificate(await rig.intermediatePem());
    assert.equal(intermediate.issuer, root.subject);
    assert.equal(await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true }), true);
  });

  it('reports the installed Pebble 2.10 version', () => {
    assert.match(rig.version, /^2\.10\./);
  });

  it('refuses a client that trusts a different CA', async () => {
    const stranger = await createThrowawayTls();
    await assert.rejects(testHttpRequest({ url: rig.directoryUrl, ca: stranger.caPem }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal((error as NodeJS.ErrnoException).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      return true;
    });
  });

  it('drives challtestsrv through its management API', async () => {
    await rig.challtest.setTxt('_acme-challenge.a.example', 'token-value');
    await rig.challtest.clearTxt('_acme-challenge.a.example');
    await rig.challtest.addA('b.example', ['127.0.0.1']);
    await rig.challtest.clearA('b.example');
  });

  it('rejects set-renewal-info for a certificate Pebble never issued', async () => {
    const foreign = await createThrowawayTls();
    await assert.rejects(
      rig.setRenewalInfo(foreign.certPem, { start: new Date(), end: new Date(Date.now() + 3_600_000) }),
      /set-renewal-info\/ answered HTTP 404/,
    );
  });
});

describe('PebbleRig.stop()', () => {
  it('kills both processes and can be called twice', async () => {
    const rig = await startPebble();
    await rig.stop();
    await rig.stop();
    await assert.rejects(
      testHttpRequest({ url: rig.directoryUrl, ca: rig.caPem, timeoutMs: 2_000 }),
      /ECONNREFUSED/,
    );
    await assert.rejects(rig.challtest.setDefaultIpv4('127.0.0.1'), /ECONNREFUSED/);
  });
});
