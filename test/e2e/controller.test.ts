import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { splitPemBundle } from '../../src/x509/pem-bundle.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import {
  controllerEnvironment,
  startControllerProcess,
  type ControllerProcess,
} from './controller-process.js';
import { ingressManifest } from '../support/ingress-manifest.js';

const run = promisify(execFile);

interface SecretJson {
  readonly type?: string;
  readonly data?: Record<string, string>;
  readonly metadata?: {
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
  };
}

function manifest(name: string, hosts: readonly string[]): string {
  return ingressManifest({ name, hosts });
}

function decode(secret: SecretJson | undefined, key: string): string {
  return Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');
}

function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('kube-lego process end to end (API sandbox + Pebble + kubectl)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  const processes: ControllerProcess[] = [];

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  async function secret(name: string, namespace = 'default'): Promise<SecretJson | undefined> {
    try {
      return JSON.parse(await kubectl('get', 'secret', name, '-n', namespace, '-o', 'json')) as SecretJson;
    } catch {
      return undefined;
    }
  }

  async function eventually<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        assert.fail(
          `timed out waiting for ${what}; last log lines:\n${processes.at(-1)?.lines.slice(-20).join('\n') ?? ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function controller(extra: Readonly<Record<string, string>> = {}): ControllerProcess {
    const started = startControllerProcess(
      controllerEnvironment(
        { kubeconfig, directoryUrl: pebble.directoryUrl, caFile: pebble.caFile, httpPort: pebble.httpPort },
        extra,
      ),
    );
    processes.push(started);
    return started;
  }

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-e2e-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    const namespaceFile = join(dir, 'namespace.yaml');
    await writeFile(namespaceFile, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    await kubectl('apply', '-f', namespaceFile);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('turns an annotated Ingress into a kubernetes.io/tls Secret chaining to Pebble, logging as kube-lego did', async () => {
    const lego = controller();
    await lego.waitForLine(/server listening on http:\/\/:\d+\//);
    await eventually('readiness', async () =>
      (await httpGet(pebble.httpPort, '/readyz')) === 200 ? true : undefined,
    );
    const file = join(dir, 'seed.yaml');
    await writeFile(file, manifest('seed', ['www.seed.example.test', 'seed.example.test']));
    await kubectl('apply', '-f', file);
    const stored = await eventually('seed-tls with a certificate', async () => {
      const s = await secret('seed-tls');
      return s?.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? s : undefined;
    });
    assert.equal(stored.type, 'kubernetes.io/tls');
    const chain = splitPemBundle(decode(stored, 'tls.crt')).map((pem) => new X509Certificate(pem));
    const root = new X509Certificate(await pebble.rootPem());
    const links = [...chain, root];
    for (let i = 0; i < links.length - 1; i += 1)
      assert.ok(links[i]!.verify(links[i + 1]!.publicKey), `link ${i}`);
    assert.deepEqual(chain[0]!.subjectAltName?.split(', ').sort(), [
      'DNS:seed.example.test',
      'DNS:www.seed.example.test',
    ]);
    await lego.waitForLine(/msg="Secret successfully stored" context=secret name=seed-tls namespace=default/);
    const order = [
      /msg="kube-lego \S+ starting" context=kubelego/,
      /msg="server listening on http:\/\/:\d+\/" context=acme/,
      /msg="no cert associated with ingress" context=ingress_tls .*name=seed namespace=default/,
      /msg="requesting certificate for www.seed.example.test,seed.example.test" context=ingress_tls name=seed namespace=default/,
      /msg="authorization successful" context=acme domain=www.seed.example.test/,
      /msg="successfully got certificate: domains=\[www.seed.example.test seed.example.test\] url=https:\/\/localhost:\d+\/\S+" context=acme/,
      /msg="Secret successfully stored" context=secret name=seed-tls namespace=default/,
    ];
    let at = -1;
    for (const pattern of order) {
      const index = lego.lines.findIndex((line, i) => i > at && pattern.test(line));
      assert.ok(index > at, `log line ${String(pattern)} missing or out of order:\n${lego.lines.join('\n')}`);
      at = index;
    }
    assert.equal(await lego.terminate(), 0, 'SIGTERM exits cleanly');
    assert.match(lego.lines.at(-1) ?? '', /msg=exiting context=kubelego/);
  });

  it('says at start which CA, account and keys it uses, and reports an unreachable LEGO_URL at once', async () => {
    const unreachable = 'https://127.0.0.1:9/directory';
    const lego = controller({ LEGO_URL: unreachable, LEGO_PORT: String(await freeLoopbackPort()) });
    try {
      await lego.waitForLine(
        /level=info msg="using ACME directory https:\/\/127\.0\.0\.1:9\/directory with account e-mail admin@example\.test, ECDSA P-256 certificate keys and the CA's default profile" context=acme/,
      );
      const error = await lego.waitForLine(/level=error msg="Cannot use the ACME directory/);
      assert.ok(error.includes(`Cannot use the ACME directory ${unreachable} (LEGO_URL): `), error);
      assert.equal(lego.child.exitCode, null, 'an unreachable CA is not fatal');
    } finally {
      await lego.kill();
    }
  });

  it('resumes the persisted order after a crash mid-order, with the same account', async () => {
    const account = await secret('kube-lego-account', 'kube-lego');
    assert.ok(account !== undefined, 'the first run created the account secret');
    // A long pre-validation wait keeps the order open long enough to kill the process inside it.
    const first = controller({ LEGO_SELF_CHECK_DELAY: '60s' });
    const file = join(dir, 'resume.yaml');
    await writeFile(file, manifest('resume', ['resume.example.test']));
    await kubectl('apply', '-f', file);
    const orderUrl = await eventually('the order URL on the Secret', async () => {
      return (await secret('resume-tls'))?.metadata?.annotations?.['kube-lego/order-url'];
    });
    await first.kill();
    const second = controller();
    const stored = await eventually('resume-tls with a certificate', async () => {
      const s = await secret('resume-tls');
      return s?.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? s : undefined;
    });
    assert.deepEqual(
      new X509Certificate(decode(stored, 'tls.crt')).subjectAltName,
      'DNS:resume.example.test',
    );
    await second.waitForLine(
      new RegExp(
        `successfully got certificate: domains=\\[resume.example.test\\] url=${orderUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`,
      ),
    );
    assert.equal(
      stored.metadata?.annotations?.['kube-lego/order-url'],
      undefined,
      'the finished order is cleared',
    );
    const accountAfter = await secret('kube-lego-account', 'kube-lego');
    assert.equal(accountAfter?.data?.['tls.key'], account.data?.['tls.key'], 'the account key is kept');
    assert.ok(!second.lines.some((line) => line.includes('created an ACME account')), 'no new account');
    assert.equal(await second.terminate(), 0);
  });

  it('stops promptly on SIGTERM in the middle of an order, leaving the order to resume', async () => {
    const lego = controller({ LEGO_SELF_CHECK_DELAY: '60s' });
    const file = join(dir, 'graceful.yaml');
    await writeFile(file, manifest('graceful', ['graceful.example.test']));
    await kubectl('apply', '-f', file);
    const orderUrl = await eventually('the order URL on the Secret', async () => {
      return (await secret('graceful-tls'))?.metadata?.annotations?.['kube-lego/order-url'];
    });
    assert.equal(await lego.terminate(), 0);
    assert.ok(lego.lines.some((line) => line.includes('stopping issuance for shutdown')));
    assert.match(lego.lines.at(-1) ?? '', /msg=exiting/);
    const after = await secret('graceful-tls');
    assert.equal(
      after?.metadata?.annotations?.['kube-lego/order-url'],
      orderUrl,
      'the order is kept for the next start',
    );
    assert.equal(after.metadata.annotations['kube-lego/failures'], undefined, 'a shutdown is not a failure');
  });
});
