import assert from 'node:assert/strict';
import { NGINX_ONLY, controllerEnv } from '../support/controller-env.js';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';

const run = promisify(execFile);
const VALIDITY_SECONDS = 40;

describe('kube-lego process renews short-lived certificates (Pebble issuing 40-second certificates)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  let lego: ControllerProcess | undefined;

  before(async () => {
    [sandbox, pebble] = await Promise.all([
      startSandbox(),
      startPebble({ nonceRejectPercent: 0, certificateValidityPeriodSeconds: VALIDITY_SECONDS }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-renewal-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
  });

  after(async () => {
    await lego?.kill();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('renews before expiry more than once, with one account and one order per certificate', async () => {
    const file = join(dir, 'manifests.yaml');
    await writeFile(
      file,
      `${namespaceManifest('kube-lego')}---
${ingressManifest({ name: 'short', hosts: ['short.example.test'], service: 'web' })}`,
    );
    await run('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', file]);
    lego = startControllerProcess(controllerEnv({ kubeconfig, ...pebble }, NGINX_ONLY));
    const serials: string[] = [];
    const notAfters: number[] = [];
    const deadline = Date.now() + 150_000;
    while (serials.length < 3) {
      assert.ok(
        Date.now() < deadline,
        `only ${serials.length} certificate(s) seen:\n${lego.lines.join('\n')}`,
      );
      try {
        const { stdout } = await run('kubectl', [
          '--kubeconfig',
          kubeconfig,
          'get',
          'secret',
          'short-tls',
          '-o',
          'json',
        ]);
        const secret = JSON.parse(stdout) as { data?: Record<string, string> };
        const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
        if (pem.includes('BEGIN CERTIFICATE')) {
          const cert = new X509Certificate(pem);
          // The temporary self-signed certificate held until the first one arrives does not count (its key
          // usage has no keyCertSign, so checkIssued() would not recognise it as its own issuer).
          if (cert.issuer !== cert.subject && !serials.includes(cert.serialNumber)) {
            // Each new certificate arrives while the previous one is still valid.
            const previousNotAfter = notAfters.at(-1);
            if (previousNotAfter !== undefined)
              assert.ok(Date.now() < previousNotAfter, 'renewed before expiry');
            serials.push(cert.serialNumber);
            notAfters.push(Date.parse(cert.validTo));
          }
        }
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const count = (pattern: RegExp): number => lego?.lines.filter((line) => pattern.test(line)).length ?? 0;
    // The Secret can be read before the log line that precedes its write has come through the pipe.
    const stored = /successfully got certificate: domains=\[short.example.test\]/;
    for (let i = 0; i < 50 && count(stored) < serials.length; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(count(/created an ACME account/), 1, 'one account');
    assert.equal(count(/successfully got certificate: domains=\[short.example.test\]/), serials.length);
    assert.equal(
      count(/requesting certificate for short.example.test/),
      serials.length,
      'one order per certificate',
    );
    assert.ok(count(/LEGO_MINIMUM_VALIDITY/) >= 1, 'the too-long minimum validity is reported');
  });
});
