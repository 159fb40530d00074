import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { startCountingAcmeProxy, type CountingAcmeProxy } from '../support/counting-acme-proxy.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';
import { controllerEnv } from '../support/controller-env.js';
import { ingressManifest } from '../support/ingress-manifest.js';
import { assertIssuedPair, type SecretJson } from './fault-rig.js';

const run = promisify(execFile);

function manifest(name: string, host: string): string {
  return ingressManifest({ name, hosts: [host] });
}

// Each case runs behind its own counting proxy, so the orders counted are the CA's view of that case only.
describe('an issued certificate is never thrown away (real process, API sandbox, Pebble behind a counting proxy)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  const processes: ControllerProcess[] = [];
  const proxies: CountingAcmeProxy[] = [];

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  async function secret(name: string): Promise<SecretJson | undefined> {
    try {
      return JSON.parse(await kubectl('get', 'secret', name, '-n', 'default', '-o', 'json')) as SecretJson;
    } catch {
      return undefined;
    }
  }

  async function issuedSecret(name: string, timeoutMs = 60_000): Promise<SecretJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await secret(name);
      if (s?.metadata?.annotations?.['kube-lego/not-after'] !== undefined) return s;
      if (Date.now() > deadline) {
        assert.fail(
          `timed out waiting for ${name} with a certificate; last log lines:\n${processes.at(-1)?.lines.slice(-25).join('\n') ?? ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function proxy(): Promise<{ ca: CountingAcmeProxy; caFile: string }> {
    const ca = await startCountingAcmeProxy({
      pebbleDirectoryUrl: pebble.directoryUrl,
      pebbleCaPem: pebble.caPem,
    });
    proxies.push(ca);
    const caFile = join(dir, `proxy-ca-${proxies.length}.pem`);
    await writeFile(caFile, ca.caPem);
    return { ca, caFile };
  }

  function controller(ca: { ca: CountingAcmeProxy; caFile: string }): ControllerProcess {
    const started = startControllerProcess(
      controllerEnv({
        kubeconfig,
        directoryUrl: ca.ca.directoryUrl,
        caFile: ca.caFile,
        httpPort: pebble.httpPort,
      }),
    );
    processes.push(started);
    return started;
  }

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-kept-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    const namespaceFile = join(dir, 'namespace.yaml');
    await writeFile(namespaceFile, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    await kubectl('apply', '-f', namespaceFile);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the certificate with exactly one order when the final Secret write fails with 500 once', async () => {
    const ca = await proxy();
    // Once finalize is on its way the key is on the Secret: the next write of the Secret is the final one.
    let armed = false;
    ca.ca.beforeRequest(/^\/finalize-order\//, () => {
      if (armed) return;
      armed = true;
      sandbox.faults.failNext({
        method: 'PUT',
        pathPattern: /\/namespaces\/default\/secrets\/final500-tls$/,
        count: 1,
        status: 500,
      });
    });
    const lego = controller(ca);
    const file = join(dir, 'final500.yaml');
    await writeFile(file, manifest('final500', 'final500.example.test'));
    await kubectl('apply', '-f', file);
    const stored = await issuedSecret('final500-tls');
    assert.ok(armed, 'the final write met the injected 500');
    assertIssuedPair(stored, ['final500.example.test']);
    assert.equal(ca.ca.ordersFor('final500.example.test'), 1, 'one order at the CA');
    assert.ok(
      lego.lines.some((line) => /level=warning .*final500-tls/.test(line)),
      `the failed write is reported:\n${lego.lines.join('\n')}`,
    );
    assert.equal(await lego.terminate(), 0);
    // The next case's processes use another directory URL: they would order this certificate again.
    await kubectl('delete', 'ingress', 'final500', '-n', 'default');
  });

  it('completes the finalized order after a SIGKILL right after finalize, with one order', async () => {
    await Promise.all(processes.map((p) => p.kill())); // LEGO_PORT is free for this case's processes
    const ca = await proxy();
    const first = controller(ca);
    let killed = false;
    ca.ca.afterResponse(/^\/finalize-order\//, async () => {
      if (killed) return;
      killed = true;
      await first.kill(); // the CA accepted the CSR; the process never sees the answer
    });
    const file = join(dir, 'killed.yaml');
    await writeFile(file, manifest('killed', 'killed.example.test'));
    await kubectl('apply', '-f', file);
    await first.exited;
    assert.ok(killed, 'the process was killed right after finalize');
    const second = controller(ca);
    const stored = await issuedSecret('killed-tls');
    assertIssuedPair(stored, ['killed.example.test']);
    assert.equal(
      ca.ca.ordersFor('killed.example.test'),
      1,
      `the finalized order is completed, no second order:\n${[...first.lines, ...second.lines].join('\n')}`,
    );
    assert.equal(await second.terminate(), 0);
  });
});
