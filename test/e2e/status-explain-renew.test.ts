import assert from 'node:assert/strict';
import { NGINX_ONLY, controllerEnv } from '../support/controller-env.js';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { eventually } from '../support/eventually.js';
import { ingressManifest, namespaceManifest } from '../support/ingress-manifest.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { runCli, startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);
const PLUGIN = fileURLToPath(new URL('../../src/cli/kubectl-lego.js', import.meta.url));

interface StatusItem {
  readonly namespace: string;
  readonly secret: string;
  readonly ingresses: readonly string[];
  readonly hosts: readonly string[];
  readonly state: string;
  readonly detail: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly renewal?: { readonly at: string; readonly basis: string };
  readonly failures: number;
}

/** RFC 3339 with whole seconds, as kube-lego prints times. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

describe('kube-lego status, explain and renew against a running controller (API sandbox + Pebble)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let kubeconfig: string;
  let lego: ControllerProcess | undefined;
  /** The environment of a user's shell: their kubeconfig and the controller's LEGO_URL. */
  let userEnv: Record<string, string>;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;

  /** The certificate from the CA in the Secret (not the temporary self-signed one), if any. */
  async function storedCertificate(): Promise<X509Certificate | undefined> {
    try {
      const secret = JSON.parse(await kubectl('get', 'secret', 'web-tls', '-o', 'json')) as {
        data?: Record<string, string>;
      };
      const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
      if (!pem.includes('BEGIN CERTIFICATE')) return undefined;
      const cert = new X509Certificate(pem);
      return cert.issuer === cert.subject ? undefined : cert;
    } catch {
      return undefined;
    }
  }

  const logTail = (): string => lego?.lines.slice(-20).join('\n') ?? '';

  before(async () => {
    [sandbox, pebble] = await Promise.all([
      startSandbox({
        users: {
          'viewer-token': {
            name: 'viewer',
            rules: [
              { verbs: ['get', 'list', 'watch'], apiGroups: ['networking.k8s.io'], resources: ['ingresses'] },
              { verbs: ['list'], apiGroups: [''], resources: ['events'] },
            ],
          },
          'reader-token': {
            name: 'reader',
            rules: [
              { verbs: ['get', 'list', 'watch'], apiGroups: ['networking.k8s.io'], resources: ['ingresses'] },
              { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets', 'events'] },
            ],
          },
        },
      }),
      // No authorization reuse: every renewal is validated, so a DNS failure makes it fail.
      startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-status-'));
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    await sandbox.writeKubeconfig(join(dir, 'viewer'), { user: 'viewer' });
    await sandbox.writeKubeconfig(join(dir, 'reader'), { user: 'reader' });
    const file = join(dir, 'manifests.yaml');
    await writeFile(
      file,
      `${namespaceManifest('kube-lego')}---
${ingressManifest({ name: 'web', hosts: ['web.example.test'] })}`,
    );
    await kubectl('apply', '-f', file);
    lego = startControllerProcess(controllerEnv({ kubeconfig, ...pebble }, NGINX_ONLY));
    userEnv = { KUBECONFIG: kubeconfig, LEGO_URL: pebble.directoryUrl, HOME: dir };
    await eventually('the first certificate', storedCertificate, { timeoutMs: 90_000, context: logTail });
  });

  after(async () => {
    await lego?.kill();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('status -o json shows the stored certificate as Ready, with its expiry and renewal time', async () => {
    const cert = await eventually('the first certificate', storedCertificate, { context: logTail });
    const result = await runCli(['status', '-o', 'json'], userEnv);
    assert.equal(result.code, 0, result.stderr);
    const list = JSON.parse(result.stdout) as { kind: string; items: StatusItem[] };
    assert.equal(list.kind, 'CertificateStatusList');
    assert.equal(list.items.length, 1, result.stdout);
    const [item] = list.items;
    assert.ok(item !== undefined);
    assert.equal(item.namespace, 'default');
    assert.equal(item.secret, 'web-tls');
    assert.deepEqual(item.ingresses, ['web']);
    assert.deepEqual(item.hosts, ['web.example.test']);
    assert.equal(item.state, 'Ready', item.detail);
    assert.equal(item.notAfter, rfc3339(Date.parse(cert.validTo)));
    assert.equal(item.notBefore, rfc3339(Date.parse(cert.validFrom)));
    assert.equal(item.failures, 0);
    const renewAt = Date.parse(item.renewal?.at ?? '');
    assert.ok(renewAt > Date.parse(cert.validFrom) && renewAt < Date.parse(cert.validTo), item.renewal?.at);
    assert.ok(['ariWindow', 'lifetime', 'minimumValidity'].includes(item.renewal?.basis ?? ''));
  });

  it('status prints a table with a row per certificate; yaml carries the same items', async () => {
    const table = await runCli(['status'], userEnv);
    assert.equal(table.code, 0, table.stderr);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    assert.match(
      header ?? '',
      /^INGRESS\s+SECRET\s+HOSTS\s+STATE\s+NOT AFTER\s+NEXT RENEWAL\s+WHY\s+LAST FAILURE\s+NEXT RETRY\s+SERVED$/,
    );
    assert.match(
      row ?? '',
      /^web\s+web-tls\s+web\.example\.test\s+Ready\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\d\d-\d\dT\S+Z\s+/,
    );
    // The Ingress has no load balancer address here: the check has nothing to handshake with.
    assert.match(row ?? '', /\s(pending|not checkable)$/);
    assert.deepEqual(rest, []);
    const all = await runCli(['status', '-A', 'web'], userEnv);
    assert.match(all.stdout, /^NAMESPACE\s+INGRESS/);
    assert.match(all.stdout, /\ndefault\s+web\s+web-tls\s/);
    const yaml = await runCli(['status', '-o', 'yaml'], userEnv);
    assert.match(yaml.stdout, /kind: CertificateStatusList\n/);
    assert.match(yaml.stdout, /secret: web-tls\n/);
    assert.match(yaml.stdout, /state: Ready\n/);
    const missing = await runCli(['status', 'nothing-here'], userEnv);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /ingress "nothing-here" in namespace "default" asks kube-lego for no certificate/,
    );
  });

  it("explain prints the controller's decision detail, the history and the Events on the Ingress", async () => {
    const cert = await eventually('the first certificate', storedCertificate, { context: logTail });
    const result = await runCli(['explain', 'default/web-tls'], userEnv);
    assert.equal(result.code, 0, result.stderr);
    const notAfter = rfc3339(Date.parse(cert.validTo));
    assert.match(
      result.stdout,
      /^Certificate default\/web-tls for web\.example\.test \(Ingress default\/web\)\n/,
    );
    assert.match(result.stdout, /\nState: Ready\n/);
    // decide()'s detail for a certificate that is up to date, with the expiry read independently here.
    assert.ok(
      result.stdout.includes(
        `What kube-lego will do: Certificate for web.example.test is valid until ${notAfter}; renewal at `,
      ),
      result.stdout,
    );
    assert.ok(result.stdout.includes(`(serial ${cert.serialNumber.toLowerCase()})`), result.stdout);
    assert.match(result.stdout, /No failure is recorded since the last issuance\./);
    assert.match(
      result.stdout,
      /\nEvents on Ingress default\/web:\n {2}\S+Z Normal TemporaryCertificateIssued: Stored a temporary self-signed certificate for web\.example\.test[^\n]*\n {2}\S+Z Normal CertificateIssued: Issued certificate for web\.example\.test/,
    );
  });

  it("explain lists each Event on the Ingress once, from one list of the namespace's Events", async () => {
    await eventually('the first certificate', storedCertificate, { context: logTail });
    const seen = sandbox.audit.length;
    const result = await runCli(['explain', 'default/web-tls'], {
      ...userEnv,
      KUBECONFIG: join(dir, 'reader'),
    });
    assert.equal(result.code, 0, result.stderr);
    const eventLists = sandbox.audit
      .slice(seen)
      .filter((e) => e.user === 'reader' && e.verb === 'list' && e.resource === 'events');
    assert.equal(eventLists.length, 1, 'one list of Events, from the audit log');
    // The Events as the API server holds them (kubectl, an independent client), each printed on one line.
    const stored = JSON.parse(
      await kubectl(
        'get',
        'events',
        '--field-selector',
        'involvedObject.kind=Ingress,involvedObject.name=web',
        '-o',
        'json',
      ),
    ) as { items: { reason: string; message: string }[] };
    const listed = result.stdout
      .slice(result.stdout.indexOf('\nEvents on Ingress default/web:\n'))
      .split('\n')
      .slice(2);
    const printed = listed.filter((line) => line.startsWith('  ') && line !== '  (none)');
    assert.ok(stored.items.length > 0);
    assert.equal(printed.length, stored.items.length, result.stdout);
    for (const event of stored.items) {
      const lines = printed.filter(
        (line) => line.includes(` ${event.reason}`) && line.endsWith(`: ${event.message}`),
      );
      assert.equal(lines.length, 1, `${event.reason}: ${event.message}\n${result.stdout}`);
    }
  });

  it('renew waits until the new certificate is stored and prints its serial', async () => {
    const before = await eventually('the first certificate', storedCertificate, { context: logTail });
    const result = await runCli(['renew', 'default/web-tls', '--timeout', '90s'], userEnv, {
      timeoutMs: 100_000,
    });
    assert.equal(
      result.code,
      0,
      `${result.stdout}\n${result.stderr}\n${lego?.lines.slice(-10).join('\n') ?? ''}`,
    );
    const after = await storedCertificate();
    assert.ok(after !== undefined);
    assert.notEqual(after.serialNumber, before.serialNumber, 'a new certificate is stored');
    assert.equal(
      result.stdout,
      `Renewed default/web-tls: new certificate serial ${after.serialNumber.toLowerCase()}, valid until ${rfc3339(Date.parse(after.validTo))} (was serial ${before.serialNumber.toLowerCase()})\n`,
    );
    assert.match(result.stderr, /^waiting for default\/web-tls: /m);
    const secret = JSON.parse(await kubectl('get', 'secret', 'web-tls', '-o', 'json')) as {
      metadata: { annotations: Record<string, string> };
    };
    assert.equal(
      secret.metadata.annotations['kube-lego/renew-requested'],
      undefined,
      'the request is served',
    );
  });

  it('renew --no-wait returns once the request is set; the controller serves it afterwards', async () => {
    const before = await eventually('a certificate', storedCertificate, { context: logTail });
    const startMs = Date.now();
    const result = await runCli(['renew', '--no-wait', 'default/web-tls'], userEnv);
    const elapsedMs = Date.now() - startMs;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Requested renewal of default\/web-tls at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/,
    );
    assert.equal(result.stderr, '', 'no progress line without waiting');
    assert.ok(elapsedMs < 10_000, `returned after ${elapsedMs} ms`);
    const renewed = await eventually('the renewed certificate', async () => {
      const now = await storedCertificate();
      return now !== undefined && now.serialNumber !== before.serialNumber ? now : undefined;
    });
    assert.ok(Date.parse(renewed.validFrom) <= Date.now());
  });

  it('renew --all renews every certificate kube-lego manages in the namespace', async () => {
    const before = await eventually('a certificate', storedCertificate, { context: logTail });
    const result = await runCli(['renew', '--all', '-n', 'default', '--timeout', '90s'], userEnv, {
      timeoutMs: 100_000,
    });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const after = await storedCertificate();
    assert.ok(after !== undefined && after.serialNumber !== before.serialNumber);
    assert.match(
      result.stdout,
      /^Renewed default\/web-tls: new certificate serial [0-9a-f]+, valid until \S+ \(was serial [0-9a-f]+\)\n$/,
    );
    const both = await runCli(['renew', '--all', 'default/web-tls'], userEnv);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /name one NAMESPACE\/SECRET, or pass --all/);
  });

  it('names the missing permission when the API server answers 403', async () => {
    const viewer = await runCli(['status'], { ...userEnv, KUBECONFIG: join(dir, 'viewer') });
    assert.equal(viewer.code, 1);
    assert.equal(viewer.stdout, '');
    assert.match(viewer.stderr, /^error: Missing permission: get secrets in namespace "default"/);
    assert.match(viewer.stderr, /User "viewer" cannot get resource "secrets"/);
    const reader = await runCli(['renew', 'default/web-tls', '--no-wait'], {
      ...userEnv,
      KUBECONFIG: join(dir, 'reader'),
    });
    assert.equal(reader.code, 1);
    assert.match(reader.stderr, /^error: Missing permission: patch secrets in namespace "default"/);
    const seen = sandbox.audit.length;
    const readerStatus = await runCli(['status', '-o', 'json'], {
      ...userEnv,
      KUBECONFIG: join(dir, 'reader'),
    });
    assert.equal(readerStatus.code, 0, 'read access is enough for status');
    // What status costs, from the sandbox's audit log: one list of Ingresses, the discovery of the Gateway API
    // group and its two versions, one list of Gateways (refused: this user reads Ingresses and Secrets only,
    // which is enough), one read per Secret, one list of the Events on Ingresses (the served-certificate
    // check's outcome).
    assert.deepEqual(
      sandbox.audit
        .slice(seen)
        .filter((e) => e.user === 'reader')
        .map((e) => `${e.verb} ${e.resource} ${e.namespace}/${e.name} ${e.status}`),
      [
        'list ingresses default/ 200',
        'get  / 200',
        'get  / 200',
        'get  / 200',
        'list gateways default/ 403',
        'get secrets default/web-tls 200',
        'list events default/ 200',
      ],
    );
  });

  it('works as a kubectl plugin: kubectl lego status finds kubectl-lego on PATH', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    // What a package manager's bin link does: an executable named kubectl-lego on PATH.
    await chmod(PLUGIN, 0o755);
    await symlink(PLUGIN, join(bin, 'kubectl-lego'));
    const env = { ...userEnv, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    const { stdout } = await run('kubectl', ['lego', 'status', '-o', 'json'], { env });
    const list = JSON.parse(stdout) as { items: StatusItem[] };
    assert.deepEqual(
      list.items.map((i) => [i.secret, i.state]),
      [['web-tls', 'Ready']],
    );
    const plugins = await run('kubectl', ['plugin', 'list'], { env });
    assert.match(plugins.stdout, /kubectl-lego/);
    const table = await run('kubectl', ['lego', 'status'], { env });
    assert.match(table.stdout, /\nweb\s+web-tls\s+web\.example\.test\s+Ready\s/);
  });

  it('renew reports a failed attempt with its reason and exits 1; status and explain show the failure', async () => {
    const before = await eventually('a certificate', storedCertificate, { context: logTail });
    // Nothing of an earlier test in flight: no renewal request left and no order open on the Secret.
    await eventually(
      'the Secret at rest',
      async () => {
        const annotations = (
          JSON.parse(await kubectl('get', 'secret', 'web-tls', '-o', 'json')) as {
            metadata?: { annotations?: Record<string, string> };
          }
        ).metadata?.annotations;
        const busy =
          annotations?.['kube-lego/renew-requested'] !== undefined ||
          annotations?.['kube-lego/order-url'] !== undefined;
        return busy ? undefined : true;
      },
      { context: logTail },
    );
    assert.equal((await storedCertificate())?.serialNumber, before.serialNumber, 'no renewal under way');
    // The CA's validation cannot resolve the host: the order fails (ChallengeFailed).
    await pebble.challtest.setServfail('web.example.test');
    try {
      const result = await runCli(['renew', 'default/web-tls', '--timeout', '90s'], userEnv, {
        timeoutMs: 100_000,
      });
      assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}\n${logTail()}`);
      assert.match(
        result.stdout,
        /^Cannot renew default\/web-tls: the attempt failed \(ChallengeFailed\) at \S+Z; kube-lego makes no new attempt before \S+Z; run kube-lego explain default\/web-tls for the Events\n$/,
      );
      assert.equal((await storedCertificate())?.serialNumber, before.serialNumber, 'the certificate is kept');
      const status = await runCli(['status', '-o', 'json'], userEnv);
      const list = JSON.parse(status.stdout) as {
        items: (StatusItem & { lastFailure?: { reason: string } })[];
      };
      const item = list.items[0];
      assert.ok(item !== undefined, status.stdout);
      // The certificate is still valid and not due: the controller waits for its renewal time (a failed
      // request is not retried on its own), and the failure is on record.
      assert.equal(item.state, 'Ready', item.detail);
      assert.equal(item.failures, 1);
      assert.equal(item.lastFailure?.reason, 'ChallengeFailed');
      const explain = await runCli(['explain', 'default/web-tls'], userEnv);
      assert.match(
        explain.stdout,
        /What kube-lego will do: Certificate for web\.example\.test is valid until \S+Z; renewal at \S+Z, /,
      );
      assert.match(
        explain.stdout,
        /1 consecutive failure\(s\) are recorded, the last at \S+Z \(ChallengeFailed\); the next attempt is not before \S+Z\./,
      );
      assert.match(
        explain.stdout,
        /\n {2}\S+Z Warning IssuanceFailed: Cannot issue certificate for web\.example\.test \(ChallengeFailed\)/,
      );
    } finally {
      await pebble.challtest.clearServfail('web.example.test');
    }
  });
});
