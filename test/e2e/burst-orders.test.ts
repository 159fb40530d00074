import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { acmeLedger } from '../support/acme-ledger.js';
import { controllerEnv } from '../support/controller-env.js';
import { startCountingAcmeProxy, type CountingAcmeProxy } from '../support/counting-acme-proxy.js';
import { ingressManifest } from '../support/ingress-manifest.js';
import { storedSecrets, waitForIssued } from '../support/issued-secrets.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { readyzOk } from '../support/readyz.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const INGRESSES = 300;
/**
 * Watch events reach the controller this long after each write, as from a real API server's watch cache
 * under a burst: the re-queued reconcile right after a write meets the informer's older copy.
 */
const WATCH_LATENCY_MS = 100;

const hostOf = (i: number): string => `burst-${String(i)}.example.test`;

describe('300 Ingresses applied at once, no fault (real process, sandbox, Pebble behind a counting proxy)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let proxy: CountingAcmeProxy;
  let dir: string;
  let kubeconfig: string;
  let lego: ControllerProcess | undefined;

  before(async () => {
    [sandbox, pebble] = await Promise.all([
      startSandbox({ watchLatencyMs: WATCH_LATENCY_MS }),
      startPebble({ nonceRejectPercent: 0 }),
    ]);
    proxy = await startCountingAcmeProxy({
      pebbleDirectoryUrl: pebble.directoryUrl,
      pebbleCaPem: pebble.caPem,
    });
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-burst-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
  });

  after(async () => {
    await lego?.kill();
    await proxy.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('opens exactly one order per host and stores 300 certificates', async (t) => {
    const caFile = join(dir, 'proxy-ca.pem');
    await writeFile(caFile, proxy.caPem);
    const namespaceFile = join(dir, 'namespace.yaml');
    await writeFile(namespaceFile, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    await run('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', namespaceFile]);
    const started = startControllerProcess(
      controllerEnv(
        { kubeconfig, directoryUrl: proxy.directoryUrl, caFile, httpPort: pebble.httpPort },
        { LEGO_MAX_CONCURRENT_ORDERS: '10' },
      ),
    );
    lego = started;
    while (!(await readyzOk(pebble.httpPort))) {
      assert.equal(started.child.exitCode, null, `kube-lego exited:\n${started.lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const names = Array.from({ length: INGRESSES }, (_, i) => `burst-${String(i)}`);
    const file = join(dir, 'ingresses.yaml');
    await writeFile(
      file,
      names.map((name, i) => ingressManifest({ name, hosts: [hostOf(i)] })).join('---\n'),
    );
    const appliedAtMs = Date.now();
    await run('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', file], { maxBuffer: 16 * 1024 * 1024 });
    const applyMs = Date.now() - appliedAtMs;
    await waitForIssued(sandbox.store, {
      namespace: 'default',
      names: names.map((name) => `${name}-tls`),
      timeoutMs: 150_000,
      context: () => started.lines.slice(-20).join('\n'),
    });
    const issuedMs = Date.now() - appliedAtMs;
    // Long enough for a stale read right after the last write to order again (read-your-writes, issue 18).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(await started.terminate(), 0);

    const ledger = acmeLedger(proxy.requests);
    const secrets = storedSecrets(sandbox.store, 'default');
    const serials = new Set<string>();
    for (const [i, name] of names.entries()) {
      const pem = splitPemBundle(
        Buffer.from(secrets.get(`${name}-tls`)?.data['tls.crt'] ?? '', 'base64').toString('utf8'),
      )[0];
      assert.ok(pem !== undefined, `${name}-tls holds a certificate`);
      const leaf = new X509Certificate(pem);
      assert.equal(leaf.subjectAltName, `DNS:${hostOf(i)}`);
      serials.add(leaf.serialNumber);
    }
    const apiRequests = sandbox.audit.filter((e) => e.resource === 'secrets').length;
    t.diagnostic(
      `${String(INGRESSES)} Ingresses applied in ${String(applyMs)} ms, all stored ${String(issuedMs)} ms after the apply began; ${String(ledger.ordersOpened)} orders, ${String(ledger.finalized.length)} certificates finalized, ${String(serials.size)} stored, ${String(apiRequests)} Secret requests at the API`,
    );
    const duplicated = names.map((_, i) => hostOf(i)).filter((host) => proxy.ordersFor(host) !== 1);
    assert.deepEqual(duplicated, [], 'one newOrder per host');
    assert.equal(ledger.ordersOpened, INGRESSES, 'exactly one order per Ingress');
    assert.equal(serials.size, INGRESSES, '300 distinct certificates stored');
    assert.equal(ledger.finalized.length, INGRESSES, 'the CA finalized 300 orders');
  });
});
