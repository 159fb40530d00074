import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';
import {
  controllerEnvironment,
  startControllerProcess,
  type ControllerProcess,
} from './controller-process.js';
import { ingressManifest } from '../support/ingress-manifest.js';

const run = promisify(execFile);

/** The sandbox's bookmark interval here; the controller learns it from the bookmarks it sees. */
const BOOKMARK_INTERVAL_MS = 2_000;
/** Three missed bookmarks, plus the scheduling slack of a loaded test machine. */
const DETECTION_LIMIT_MS = 3 * BOOKMARK_INTERVAL_MS + 4_000;
const PARTITION_MS = 30_000;
const HEAL_TO_ISSUANCE_LIMIT_MS = 60_000;
/**
 * Requests the controller may send while cut off for 30 s: two informers, each retrying with a backoff
 * that doubles from 1 s, and every request hanging until its own timeout. A retry without backoff would
 * send hundreds.
 */
const OUTAGE_REQUEST_LIMIT = 30;

function manifest(name: string, host: string): string {
  return ingressManifest({ name, hosts: [host] });
}

describe('a silent partition between the controller and the API (sandbox + Pebble + kubectl)', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let adminConfig: string;
  let controllerConfig: string;
  let lego: ControllerProcess | undefined;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', adminConfig, ...args])).stdout;

  async function certificateStored(name: string): Promise<boolean> {
    try {
      const out = await kubectl(
        'get',
        'secret',
        name,
        '-o',
        'jsonpath={.metadata.annotations.kube-lego/not-after}',
      );
      return out.trim() !== '';
    } catch {
      return false;
    }
  }

  async function waitFor(
    what: string,
    probe: () => Promise<boolean> | boolean,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) {
        assert.fail(
          `timed out after ${timeoutMs} ms waiting for ${what}; last log lines:\n${lego?.lines.slice(-20).join('\n') ?? ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  before(async () => {
    const token = randomBytes(16).toString('hex');
    [sandbox, pebble] = await Promise.all([
      startSandbox({ bookmarkIntervalMs: BOOKMARK_INTERVAL_MS, users: { [token]: { name: 'kube-lego' } } }),
      startPebble({ nonceRejectPercent: 0 }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-partition-'));
    adminConfig = join(dir, 'admin.kubeconfig');
    controllerConfig = join(dir, 'kube-lego.kubeconfig');
    await sandbox.writeKubeconfig(adminConfig);
    await sandbox.writeKubeconfig(controllerConfig, { user: 'kube-lego' });
    const namespaceFile = join(dir, 'namespace.yaml');
    await writeFile(namespaceFile, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    await kubectl('apply', '-f', namespaceFile);
  });

  after(async () => {
    await lego?.kill();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('notices the silent watch within three bookmark intervals, watches again after the heal and issues within 60 s, with a bounded request rate meanwhile', async () => {
    const controller = startControllerProcess(
      controllerEnvironment({
        kubeconfig: controllerConfig,
        directoryUrl: pebble.directoryUrl,
        caFile: pebble.caFile,
        httpPort: pebble.httpPort,
      }),
    );
    lego = controller;
    const file = join(dir, 'ingress.yaml');
    await writeFile(file, manifest('before', 'before.partition.example.test'));
    await kubectl('apply', '-f', file);
    await waitFor(
      'the certificate of the Ingress created before the partition',
      () => certificateStored('before-tls'),
      60_000,
    );
    // A few bookmarks, so the controller has seen the interval the server keeps.
    await new Promise((resolve) => setTimeout(resolve, 2 * BOOKMARK_INTERVAL_MS));

    const cutAtMs = Date.now();
    const cutAt = new Date(cutAtMs).toISOString();
    sandbox.faults.partition({ user: 'kube-lego' });
    await writeFile(file, manifest('during', 'during.partition.example.test'));
    await kubectl('apply', '-f', file);

    await waitFor(
      'the controller to notice the silent ingress watch',
      () => lego?.lines.some((line) => /watching ingresses failed/.test(line)) ?? false,
      DETECTION_LIMIT_MS,
    );
    const detectedMs = Date.now() - cutAtMs;

    await new Promise((resolve) => setTimeout(resolve, cutAtMs + PARTITION_MS - Date.now()));
    const healedAtMs = Date.now();
    const healedAt = new Date(healedAtMs).toISOString();
    sandbox.faults.heal();
    await waitFor(
      'the certificate of the Ingress created during the partition',
      () => certificateStored('during-tls'),
      HEAL_TO_ISSUANCE_LIMIT_MS,
    );
    const healToIssuanceMs = Date.now() - healedAtMs;

    const duringOutage = sandbox.audit.filter(
      (e) => e.user === 'kube-lego' && e.at >= cutAt && e.at < healedAt,
    );
    const summary = `detected after ${detectedMs} ms, issued ${healToIssuanceMs} ms after the heal, ${duringOutage.length} requests during the ${PARTITION_MS} ms outage (${duringOutage.map((e) => `${e.method} ${e.path}${e.query.includes('watch=true') ? ' (watch)' : ''}`).join(', ')})`;
    console.log(summary);
    assert.ok(detectedMs <= DETECTION_LIMIT_MS, summary);
    assert.ok(healToIssuanceMs <= HEAL_TO_ISSUANCE_LIMIT_MS, summary);
    assert.ok(duringOutage.length <= OUTAGE_REQUEST_LIMIT, summary);
    for (const host of ['before.partition.example.test', 'during.partition.example.test']) {
      const requested = controller.lines.filter((line) =>
        line.includes(`msg="requesting certificate for ${host}"`),
      );
      assert.equal(requested.length, 1, `one order for ${host}:\n${controller.lines.join('\n')}`);
    }
  });
});
