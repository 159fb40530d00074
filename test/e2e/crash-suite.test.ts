import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomInt, X509Certificate } from 'node:crypto';
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
import { createForeignCertificate } from '../support/foreign-certificate.js';
import { ingressManifest } from '../support/ingress-manifest.js';
import { notYetIssued, storedSecrets, waitForIssued, type StoredSecret } from '../support/issued-secrets.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import { readyzOk } from '../support/readyz.js';
import { seededRandom } from '../support/seeded-random.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';

const run = promisify(execFile);

/** Set to replay a run: the kill schedule is drawn from this seed. */
const SEED_VARIABLE = 'KUBE_LEGO_CRASH_SEED';
const KILLS = 6;
/**
 * The longest a random kill waits after the run's first order, in ms. With two orders at a time a run
 * stores a few certificates in that time, so the kills spread over the whole issuance.
 */
const MAX_KILL_DELAY_MS = 600;
const CONCURRENT_ORDERS = '2';
const FOREIGN = 'legacy-tls';
const UNRELATED = 'unrelated';

interface Managed {
  readonly name: string;
  readonly hosts: readonly string[];
}

/** Ten Ingresses with one host, two with two. */
const MANAGED: readonly Managed[] = Array.from({ length: 12 }, (_, i) => ({
  name: `crash-${String(i)}`,
  hosts:
    i < 10
      ? [`crash-${String(i)}.example.test`]
      : [`crash-${String(i)}.example.test`, `www.crash-${String(i)}.example.test`],
}));

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const decode = (secret: StoredSecret | undefined, key: string): string =>
  Buffer.from(secret?.data[key] ?? '', 'base64').toString('utf8');

async function manifests(): Promise<string> {
  const now = Date.now();
  const foreign = await createForeignCertificate(['legacy.example.test'], {
    notBeforeMs: now - 86_400_000,
    notAfterMs: now + 60 * 86_400_000,
  });
  return [
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n',
    // A valid certificate another tool keeps, named by an annotated Ingress: kube-lego must leave it alone.
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${FOREIGN}\n  namespace: default\n  annotations:\n    owner: another-tool\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(foreign.certPem)}\n  tls.key: ${b64(foreign.keyPem)}\n`,
    ingressManifest({ name: 'legacy', hosts: ['legacy.example.test'], secretName: FOREIGN }),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${UNRELATED}\n  namespace: default\n  annotations:\n    note: not a certificate\ntype: Opaque\ndata:\n  password: ${b64('hunter2')}\n`,
    ...MANAGED.map((m) => ingressManifest({ name: m.name, hosts: m.hosts })),
  ].join('---\n');
}

describe('the crash suite: SIGKILLs during issuance and right after finalize (real process, sandbox, Pebble behind a counting proxy)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let proxy: CountingAcmeProxy;
  let dir: string;
  let kubeconfig: string;
  let caFile: string;
  const processes: ControllerProcess[] = [];

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    proxy = await startCountingAcmeProxy({
      pebbleDirectoryUrl: pebble.directoryUrl,
      pebbleCaPem: pebble.caPem,
    });
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-crash-'));
    kubeconfig = join(dir, 'kubeconfig');
    caFile = join(dir, 'proxy-ca.pem');
    await writeFile(caFile, proxy.caPem);
    await sandbox.writeKubeconfig(kubeconfig);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await proxy.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('ends with every Secret valid, one account, foreign Secrets untouched, no finalized certificate lost and orders <= Ingresses + kills', async (t) => {
    const seed = Number(process.env[SEED_VARIABLE] ?? randomInt(2 ** 31));
    t.diagnostic(`seed ${String(seed)} (${SEED_VARIABLE}=${String(seed)} replays the kill schedule)`);
    const random = seededRandom(seed);
    const names = MANAGED.map((m) => `${m.name}-tls`);
    const file = join(dir, 'objects.yaml');
    await writeFile(file, await manifests());
    await run('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', file]);
    const foreignBefore = storedSecrets(sandbox.store, 'default');

    const startedMs = Date.now();
    // When each run lived, to tell which run answered a challenge.
    const lifetimes: { lego: ControllerProcess; fromMs: number; toMs: number }[] = [];
    const start = (): ControllerProcess => {
      const lego = startControllerProcess(
        controllerEnv(
          { kubeconfig, directoryUrl: proxy.directoryUrl, caFile, httpPort: pebble.httpPort },
          { LEGO_MAX_CONCURRENT_ORDERS: CONCURRENT_ORDERS },
        ),
      );
      processes.push(lego);
      const lifetime = { lego, fromMs: Date.now(), toMs: Number.POSITIVE_INFINITY };
      lifetimes.push(lifetime);
      void lego.exited.then(() => {
        lifetime.toMs = Date.now();
      });
      return lego;
    };
    const logs = (): string =>
      processes.map((p, i) => `--- run ${String(i)}\n${p.lines.slice(-15).join('\n')}`).join('\n');
    const allIssued = (): boolean => notYetIssued(sandbox.store, 'default', names).length === 0;

    // A finalize-armed run dies when the CA has answered its `pass + 1`-th finalize, before the answer arrives.
    let armed: { lego: ControllerProcess; pass: number } | undefined;
    proxy.afterResponse(/^\/finalize-order\//, async () => {
      if (armed === undefined) return;
      if (armed.pass > 0) {
        armed.pass -= 1;
        return;
      }
      const { lego } = armed;
      armed = undefined;
      await lego.kill();
    });

    const schedule: string[] = [];
    for (let k = 0; k < KILLS && !allIssued(); k += 1) {
      const lego = start();
      const seen = proxy.requests.length;
      let kill: Promise<void>;
      let label: string;
      if (k % 2 === 0) {
        const pass = Math.floor(random() * 2);
        armed = { lego, pass };
        label = `after finalize #${String(pass + 1)}`;
        kill = Promise.resolve();
      } else {
        const delayMs = Math.floor(random() * MAX_KILL_DELAY_MS);
        label = `${String(delayMs)} ms after the first order`;
        kill = (async () => {
          while (!proxy.requests.slice(seen).some((r) => r.path.startsWith('/order-plz')) && !allIssued())
            await new Promise((resolve) => setTimeout(resolve, 20));
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          await lego.kill();
        })();
      }
      // Until the process dies, or everything is issued (a kill then has nothing left to interrupt).
      for (;;) {
        if (lego.child.exitCode !== null || lego.child.signalCode !== null) break;
        if (allIssued()) {
          await lego.terminate(); // not a crash: it does not count as a kill
          label += ' (not reached: all issued)';
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      schedule.push(label);
      armed = undefined;
      await kill;
      await lego.exited;
    }
    const kills = processes.filter((p) => p.child.signalCode === 'SIGKILL').length;
    const reached = schedule.filter((s) => !s.endsWith('(not reached: all issued)'));
    assert.ok(
      reached.some((s) => s.startsWith('after finalize')) && reached.some((s) => s.endsWith('first order')),
      `kills of both kinds happened during issuance: ${schedule.join('; ')}`,
    );

    const last = start();
    await waitForIssued(sandbox.store, { namespace: 'default', names, timeoutMs: 90_000, context: logs });
    const completionMs = Date.now() - startedMs;
    while (!(await readyzOk(pebble.httpPort))) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await last.terminate(), 0);

    const ledger = acmeLedger(proxy.requests);
    t.diagnostic(
      `${String(MANAGED.length)} Ingresses, ${String(kills)} kills (${schedule.join('; ')}), ${String(ledger.ordersOpened)} orders (${String(ledger.opened.filter((o) => !o.usedAgain).length)} cut off before their URL was kept, ${String(ledger.opened.filter((o) => o.usedAgain && !o.finalized && o.lastStatus === 'invalid').length)} found invalid at the CA after a kill), ${String(ledger.opened.reduce((n, o) => n + o.challengesAnsweredAtMs.length, 0))} challenges answered, ${String(ledger.finalized.length)} certificates finalized, all stored ${String(completionMs)} ms after the first start`,
    );

    // Every managed Secret: the certificate for its hosts, chaining to Pebble, with its key.
    const root = new X509Certificate(await pebble.rootPem());
    const secrets = storedSecrets(sandbox.store, 'default');
    const storedLeaves = new Map<string, string>();
    for (const m of MANAGED) {
      const secret = secrets.get(`${m.name}-tls`);
      const chain = splitPemBundle(decode(secret, 'tls.crt')).map((pem) => new X509Certificate(pem));
      const leaf = chain[0];
      assert.ok(leaf !== undefined, `${m.name}-tls holds a certificate`);
      assert.deepEqual(
        leaf.subjectAltName?.split(', ').sort(),
        m.hosts.map((h) => `DNS:${h}`).sort(),
        `${m.name}-tls names its hosts`,
      );
      const links = [...chain, root];
      for (let i = 0; i + 1 < links.length; i += 1) {
        const [child, parent] = [links[i], links[i + 1]];
        assert.ok(
          child !== undefined && parent !== undefined && child.verify(parent.publicKey),
          `${m.name}-tls chain link ${String(i)}`,
        );
      }
      assert.ok(
        leaf.checkPrivateKey(createPrivateKey(decode(secret, 'tls.key'))),
        `${m.name}-tls key matches`,
      );
      assert.equal(secret?.data['kube-lego.pending.key'], undefined, `${m.name}-tls keeps no pending key`);
      storedLeaves.set(leaf.serialNumber, `${m.name}-tls`);
    }

    // One account across all runs: created once, always the same key, the key the account Secret holds.
    const account = storedSecrets(sandbox.store, 'kube-lego').get('kube-lego-account');
    const accountJwk = createPublicKey(createPrivateKey(decode(account, 'tls.key'))).export({
      format: 'jwk',
    });
    assert.equal(ledger.accountsCreated, 1, 'one newAccount created an account');
    assert.equal(ledger.accountKeys.length, 1, `one account key: ${ledger.accountKeys.join(', ')}`);
    const signedWith = JSON.parse(ledger.accountKeys[0] ?? '{}') as Record<string, unknown>;
    assert.equal(
      signedWith['x'],
      accountJwk.x,
      'the account Secret holds the key the account was created with',
    );
    assert.equal(ledger.accountUrls.length, 1, `one account URL: ${ledger.accountUrls.join(', ')}`);

    // Foreign Secrets: not written at all.
    const after = storedSecrets(sandbox.store, 'default');
    for (const name of [FOREIGN, UNRELATED]) {
      const was = foreignBefore.get(name);
      assert.ok(was !== undefined, `${name} existed`);
      assert.deepEqual(
        after.get(name),
        was,
        `${name} is byte-identical (data, annotations, resourceVersion)`,
      );
    }

    // Nothing finalized is lost: each certificate the CA issued is the one a Secret holds.
    const lost = ledger.finalized.filter((order) => {
      const pem = order.certificatePem === undefined ? undefined : splitPemBundle(order.certificatePem)[0];
      return pem === undefined || !storedLeaves.has(new X509Certificate(pem).serialNumber);
    });
    assert.deepEqual(
      lost.map((o) => `${o.orderId} (certificate ${o.certificateUrl ?? 'never seen valid'})`),
      [],
      `finalized certificates that ended in no Secret (seed ${String(seed)}):\n${logs()}`,
    );
    assert.equal(ledger.finalized.length, MANAGED.length, 'one finalized order per Secret');
    // An order beyond one per Ingress is one a kill cost: cut off between the CA's answer to newOrder and
    // the write of its URL to the Secret (nobody came back to it), or found invalid at the CA by the next
    // run (a kill during validation leaves no process to answer the challenge). An order kept and still
    // valid is always completed.
    const unfinished = ledger.opened.filter((o) => !o.finalized);
    const cutOff = unfinished.filter((o) => !o.usedAgain);
    const invalidated = unfinished.filter((o) => o.usedAgain && o.lastStatus === 'invalid');
    const dropped = unfinished.filter((o) => o.usedAgain && o.lastStatus !== 'invalid');
    assert.deepEqual(
      dropped.map((o) => `${o.orderId} (${o.lastStatus})`),
      [],
      `orders kept, then never finalized (seed ${String(seed)})`,
    );
    // The validation of an invalid order was asked for only by runs that were killed.
    const killedRuns = lifetimes.filter((l) => l.lego.child.signalCode === 'SIGKILL');
    const invalidByKill = (atMs: number): boolean =>
      killedRuns.some((l) => l.fromMs <= atMs && atMs <= l.toMs);
    assert.deepEqual(
      invalidated
        .filter(
          (o) => o.challengesAnsweredAtMs.length === 0 || !o.challengesAnsweredAtMs.every(invalidByKill),
        )
        .map((o) => o.orderId),
      [],
      `orders invalid although no kill fell during their validation (seed ${String(seed)})`,
    );
    assert.ok(
      cutOff.length + invalidated.length <= kills,
      `${String(cutOff.length)} orders cut off and ${String(invalidated.length)} invalidated by ${String(kills)} kills`,
    );
    assert.ok(
      ledger.ordersOpened <= MANAGED.length + kills,
      `${String(ledger.ordersOpened)} orders for ${String(MANAGED.length)} Ingresses and ${String(kills)} kills (seed ${String(seed)})`,
    );
  });
});
