import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
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

  it('drives the DNS answers Pebble sees through challtestsrv', async () => {
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([rig.dnsServer]);
    assert.deepEqual(await resolver.resolve4('anything.example'), ['127.0.0.1']);
    await rig.challtest.setTxt('_acme-challenge.a.example', 'token-value');
    assert.deepEqual(await resolver.resolveTxt('_acme-challenge.a.example'), [['token-value']]);
    await rig.challtest.clearTxt('_acme-challenge.a.example');
    await assert.rejects(resolver.resolveTxt('_acme-challenge.a.example'));
    await rig.challtest.addA('b.example', ['192.0.2.7']);
    assert.deepEqual(await resolver.resolve4('b.example'), ['192.0.2.7']);
    await rig.challtest.clearA('b.example');
    assert.deepEqual(await resolver.resolve4('b.example'), ['127.0.0.1']);
  });

  it('rejects set-renewal-info for a certificate Pebble never issued', async () => {
    const foreign = await createThrowawayTls();
    await assert.rejects(
      rig.setRenewalInfo(foreign.certPem, { start: new Date(), end: new Date(Date.now() + 3_600_000) }),
      /set-renewal-info\/ answered HTTP 404/,
    );
  });
});

describe('startPebble() knobs', () => {
  let rig: PebbleRig;

  before(async () => {
    rig = await startPebble({
      nonceRejectPercent: 0,
      authzReusePercent: 100,
      certificateValidityPeriodSeconds: 300,
      eab: {
        required: true,
        keys: { 'kid-1': 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W' },
      },
    });
  });
  after(async () => {
    await rig.stop();
  });

  it('requires external account binding when configured', async () => {
    const directory: unknown = JSON.parse(
      (await testHttpRequest({ url: rig.directoryUrl, ca: rig.caPem })).body,
    );
    assert.ok(isRecord(directory) && isRecord(directory.meta));
    assert.equal(directory.meta.externalAccountRequired, true);
  });

  it('passes nonce rejection, authorization reuse and validity to Pebble', () => {
    const output = rig.output();
    assert.match(output, /Configured to reject 0% of good nonces/);
    assert.match(output, /Configured to attempt authz reuse for each identifier 100% of the time/);
    assert.match(output, /Loaded profile "default" with certificate validity period of 300 seconds/);
    assert.match(output, /Disabling random VA sleeps/);
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
