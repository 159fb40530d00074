import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';
import { controllerEnv } from '../support/controller-env.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';

const run = promisify(execFile);

interface ObjectJson {
  readonly metadata?: { readonly annotations?: Record<string, string> };
}

describe('kube-lego never follows an order URL off the ACME directory origin (issue 18 defect 4)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  let listener: http.Server;
  const received: string[] = [];
  let lego: ControllerProcess | undefined;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        assert.fail(`timed out waiting for ${what}:\n${lego?.lines.slice(-20).join('\n') ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    listener = http.createServer((req, res) => {
      received.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-origin-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
  });

  after(async () => {
    await lego?.kill();
    await new Promise((resolve) => listener.close(resolve));
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('ignores an order-url pointing at a local listener, warns naming it, and issues a new order', async () => {
    const { port } = listener.address() as AddressInfo;
    const planted = `http://127.0.0.1:${String(port)}/acme/order/planted`;
    const file = join(dir, 'objects.yaml');
    await writeFile(
      file,
      `${namespaceManifest('kube-lego')}---
apiVersion: v1
kind: Secret
metadata:
  name: web-tls
  namespace: default
  labels:
    kube-lego/managed: "true"
  annotations:
    kube-lego/hosts: web.example.test
    kube-lego/order-url: ${planted}
type: kubernetes.io/tls
data:
  tls.crt: ""
  tls.key: ""
---
${ingressManifest({ name: 'web', hosts: ['web.example.test'] })}`,
    );
    await kubectl('apply', '-f', file);
    lego = startControllerProcess(
      controllerEnv({
        kubeconfig,
        directoryUrl: pebble.directoryUrl,
        caFile: pebble.caFile,
        httpPort: pebble.httpPort,
      }),
    );
    const stored = await eventually('web-tls with a certificate', async () => {
      const s = JSON.parse(await kubectl('get', 'secret', 'web-tls', '-o', 'json')) as ObjectJson;
      return s.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? s : undefined;
    });
    assert.deepEqual(received, [], 'the planted order URL received no request');
    assert.equal(stored.metadata?.annotations?.['kube-lego/order-url'], undefined);
    const warning = await lego.waitForLine(/level=warning .*kube-lego\/order-url/);
    assert.ok(warning.includes(planted), warning);
    const events = await kubectl('get', 'events', '-n', 'default', '-o', 'json');
    assert.match(events, /"reason": "UntrustedAnnotation"/);
    assert.ok(events.includes(planted), 'the Event names the value');
    assert.equal(await lego.terminate(), 0);
  });
});
