import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { splitPemBundle } from '../../../src/x509/pem-bundle.js';
import { ingressManifest } from '../../support/ingress-manifest.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../../dev/cli/main.js', import.meta.url));

const WILDCARD_HOSTS = ['*.shop.example.com', 'shop.example.com'];
const ingressYaml = [
  ingressManifest({ name: 'shop', hosts: ['shop.example.test'] }),
  // A wildcard: dns-01 through the sandbox's DNS server, the apex over http-01, in one certificate.
  ingressManifest({ name: 'wild', hosts: WILDCARD_HOSTS }),
].join('---\n');

/** Every process below `pid` (children, grandchildren ...), read from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent PID; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // exited while listing
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kube-lego-dev sandbox (child process, real kubectl)', () => {
  let dir: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let stdout = '';
  let stderr = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-sandbox-cli-'));
    child = spawn(
      process.execPath,
      [
        cli,
        'sandbox',
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        '--ca-out',
        join(dir, 'ca.pem'),
        // A cluster without the Gateway API: Ingresses work all the same.
        '--no-gateway-api',
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        resolve(code);
      }),
    );
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the ready line, issues certificates for Ingresses applied with kubectl (a wildcard over dns-01 among them), and stops every process on SIGTERM', async () => {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('\n')) {
      assert.ok(child.exitCode === null, `sandbox exited early (${String(child.exitCode)}):\n${stderr}`);
      assert.ok(Date.now() < deadline, `no ready line within 60 s:\n${stderr}`);
      await sleep(50);
    }
    const kubeconfig = join(dir, 'kubeconfig');
    assert.equal(stdout, `sandbox ready: export KUBECONFIG=${kubeconfig}\n`);
    const kubectl = async (...args: string[]): Promise<string> =>
      (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 })).stdout;

    assert.doesNotMatch(await kubectl('api-versions'), /gateway\.networking\.k8s\.io/);
    // The seed's set-up is there before anything is applied.
    const configMap = JSON.parse(
      await kubectl('get', 'configmap', 'kube-lego', '-n', 'kube-lego', '-o', 'json'),
    ) as {
      data: Record<string, string>;
    };
    assert.match(configMap.data['lego.url'] ?? '', /^https:\/\/localhost:\d+\/dir$/);
    assert.ok((configMap.data['lego.email'] ?? '').includes('@'));

    const manifest = join(dir, 'ingress.yaml');
    await writeFile(manifest, ingressYaml);
    await kubectl('apply', '-f', manifest);
    // Until the CA's certificate arrives, the Secret holds a temporary self-signed one: wait for the
    // issuance record kube-lego writes with the real certificate.
    const certificateIn = async (name: string): Promise<string> => {
      for (;;) {
        assert.ok(Date.now() < deadline, `no certificate in ${name} within 60 s:\n${stderr}`);
        try {
          const secret = JSON.parse(await kubectl('get', 'secret', name, '-o', 'json')) as {
            data?: Record<string, string>;
            metadata?: { annotations?: Record<string, string> };
          };
          if (secret.metadata?.annotations?.['kube-lego/not-after'] !== undefined)
            return Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
        } catch {
          // not there yet
        }
        await sleep(200);
      }
    };
    const certPem = await certificateIn('shop-tls');
    const type = await kubectl('get', 'secret', 'shop-tls', '-o', 'jsonpath={.type}');
    assert.equal(type, 'kubernetes.io/tls');

    const chain = splitPemBundle(certPem).map((pem) => new X509Certificate(pem));
    const root = new X509Certificate(await readFile(join(dir, 'ca.pem'), 'utf8'));
    const links = [...chain, root];
    for (let i = 0; i + 1 < links.length; i += 1) {
      assert.ok(links[i]!.checkIssued(links[i + 1]!), `certificate ${i} issued by the next`);
      assert.ok(links[i]!.verify(links[i + 1]!.publicKey), `certificate ${i} signed by the next`);
    }
    assert.equal(chain[0]!.subjectAltName, 'DNS:shop.example.test');
    assert.match(stderr, /msg="Secret successfully stored" context=secret name=shop-tls namespace=default/);
    const wildcard = new X509Certificate(splitPemBundle(await certificateIn('wild-tls'))[0] ?? '');
    assert.equal(wildcard.subjectAltName, WILDCARD_HOSTS.map((host) => `DNS:${host}`).join(', '));

    const started = descendants(child.pid!);
    assert.ok(
      started.length >= 3,
      `Pebble, challtestsrv and knotd run below the sandbox: ${started.join(', ')}`,
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const left: number[] = [];
    for (let wait = 0; wait < 50; wait += 1) {
      left.splice(0, left.length, ...started.filter(alive));
      if (left.length === 0) break;
      await sleep(100);
    }
    assert.deepEqual(left, [], 'no process started by the sandbox is left');
  });
});
