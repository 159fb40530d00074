import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../../../src/adapters/kube/kube-connection.js';
import { LeaseElector } from '../../../src/adapters/kube/lease-elector.js';
import type { LeaderElectionConfig } from '../../../src/config/config.js';
import { systemClock } from '../../../src/runtime/system-clock.js';
import { startSandbox, type Sandbox } from '../../../dev/sandbox/sandbox.js';
import { eventually } from '../../support/eventually.js';
import { silentLog } from '../../support/silent-log.js';

const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

interface Replica {
  readonly identity: string;
  readonly elector: LeaseElector;
  readonly client: KubeClient;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  /** Local times at which this replica started and stopped leading. */
  readonly changes: { readonly leader: boolean; readonly atMs: number }[];
}

describe('LeaseElector against the API sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  const replicas: Replica[] = [];

  before(async () => {
    sandbox = await startSandbox({
      users: { 'token-a': { name: 'pod-a' }, 'token-b': { name: 'pod-b' } },
    });
    dir = await mkdtemp(join(tmpdir(), 'lease-elector-'));
  });

  after(async () => {
    for (const replica of replicas) {
      replica.stop.abort();
      await replica.done;
      replica.client.close();
    }
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(identity: string, leaseName: string): Promise<Replica> {
    const kubeconfig = join(dir, `${identity}-${leaseName}.kubeconfig`);
    await sandbox.writeKubeconfig(kubeconfig, { user: identity });
    const client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5_000,
    });
    const config: LeaderElectionConfig = { enabled: true, leaseName, identity, ...timing };
    const elector = new LeaseElector({
      client,
      namespace: 'default',
      config,
      clock: systemClock,
      log: silentLog,
      random: Math.random,
    });
    const changes: Replica['changes'][number][] = [];
    elector.onChange((leader) => changes.push({ leader, atMs: Date.now() }));
    const stop = new AbortController();
    const replica = { identity, elector, client, stop, done: elector.run(stop.signal), changes };
    replicas.push(replica);
    return replica;
  }

  function leaseSpec(name: string): Record<string, unknown> {
    const spec = sandbox.store.get('leases.coordination.k8s.io', 'default', name)?.['spec'];
    assert.ok(typeof spec === 'object' && spec !== null && !Array.isArray(spec), `Lease ${name} has a spec`);
    return spec;
  }

  it('lets exactly one of two replicas lead, and hands over at once when the leader stops', async () => {
    const a = await start('pod-a', 'one-leader');
    const b = await start('pod-b', 'one-leader');
    const first = await eventually('a leader', () =>
      Promise.resolve(a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined),
    );
    const other = first === a ? b : a;
    // Several renewals later, still exactly one leader.
    await new Promise((resolve) => setTimeout(resolve, 3 * timing.retryPeriodMs * 2));
    assert.equal(first.elector.isLeader(), true);
    assert.equal(other.elector.isLeader(), false);
    assert.equal(leaseSpec('one-leader')['holderIdentity'], first.identity);
    assert.equal(leaseSpec('one-leader')['leaseTransitions'], 0);
    assert.equal(leaseSpec('one-leader')['leaseDurationSeconds'], 2);

    const stoppedAtMs = Date.now();
    first.stop.abort();
    await first.done;
    await eventually('the other replica leading', () =>
      Promise.resolve(other.elector.isLeader() ? true : undefined),
    );
    // The stopped leader released the Lease: no wait for it to expire.
    const handoverMs = Date.now() - stoppedAtMs;
    assert.ok(handoverMs < timing.leaseDurationMs, `handed over after ${handoverMs} ms`);
    assert.equal(leaseSpec('one-leader')['holderIdentity'], other.identity);
    assert.equal(leaseSpec('one-leader')['leaseTransitions'], 1);
    // Created, renewed, released and taken over, the Lease keeps kube-lego's label (uninstall finds it by it).
    const metadata = sandbox.store.get('leases.coordination.k8s.io', 'default', 'one-leader')?.[
      'metadata'
    ] as { labels?: Record<string, string> } | undefined;
    assert.deepEqual(metadata?.labels, { 'kube-lego/managed': 'true' });
    other.stop.abort();
    await other.done;
  });

  it('stops a partitioned leader within the renew deadline, before the other takes over', async () => {
    const a = await start('pod-a', 'partitioned');
    await eventually('pod-a leading', () => Promise.resolve(a.elector.isLeader() ? true : undefined));
    const b = await start('pod-b', 'partitioned');
    await new Promise((resolve) => setTimeout(resolve, 2 * timing.retryPeriodMs));
    assert.equal(b.elector.isLeader(), false);

    const partitionedAtMs = Date.now();
    sandbox.faults.partition({ user: 'pod-a' });
    try {
      await eventually('pod-b leading', () => Promise.resolve(b.elector.isLeader() ? true : undefined), {
        timeoutMs: 10_000,
      });
      const stopped = a.changes.find((change) => !change.leader);
      const started = b.changes.find((change) => change.leader);
      assert.ok(stopped !== undefined && started !== undefined);
      // The partitioned leader's last renewal preceded the partition, so it stops within one renew deadline
      // (plus one retry period for the check to run) ...
      assert.ok(
        stopped.atMs - partitionedAtMs <= timing.renewDeadlineMs + timing.retryPeriodMs,
        `stopped ${stopped.atMs - partitionedAtMs} ms after the partition`,
      );
      // ... strictly before the other replica may lead, and the takeover comes within lease duration + retry period.
      assert.ok(stopped.atMs < started.atMs, 'two leaders at once');
      assert.ok(
        started.atMs - partitionedAtMs <= timing.leaseDurationMs + 2 * timing.retryPeriodMs,
        `took over ${started.atMs - partitionedAtMs} ms after the partition`,
      );
      assert.equal(leaseSpec('partitioned')['holderIdentity'], 'pod-b');
      assert.equal(leaseSpec('partitioned')['leaseTransitions'], 1);
    } finally {
      sandbox.faults.heal();
    }
    // Healed, pod-a stays a follower of a Lease pod-b keeps renewing.
    await new Promise((resolve) => setTimeout(resolve, 3 * timing.retryPeriodMs));
    assert.equal(a.elector.isLeader(), false);
    assert.equal(b.elector.isLeader(), true);
  });

  it("leaves another holder's live Lease alone and takes it once it has gone unrenewed for its duration", async () => {
    const admin = join(dir, 'admin.kubeconfig');
    await sandbox.writeKubeconfig(admin);
    const client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: admin }), {
      userAgent: 'kube-lego-test',
      requestTimeoutMs: 5_000,
    });
    const now = new Date().toISOString().replace('Z', '000Z');
    await client.request({
      method: 'POST',
      path: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'foreign' },
        spec: {
          holderIdentity: 'pod-x',
          leaseDurationSeconds: 2,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 7,
        },
      },
    });
    client.close();
    const startedAtMs = Date.now();
    const a = await start('pod-a', 'foreign');
    await eventually('pod-a leading', () => Promise.resolve(a.elector.isLeader() ? true : undefined), {
      timeoutMs: 10_000,
    });
    const waitedMs = Date.now() - startedAtMs;
    // pod-a first saw the record at its start: it must wait the holder's full duration from then.
    assert.ok(waitedMs >= 2_000, `took the Lease after ${waitedMs} ms`);
    assert.ok(waitedMs <= 2_000 + 3 * timing.retryPeriodMs, `took the Lease after ${waitedMs} ms`);
    assert.equal(leaseSpec('foreign')['holderIdentity'], 'pod-a');
    assert.equal(leaseSpec('foreign')['leaseTransitions'], 8);
    const taken = sandbox.store.get('leases.coordination.k8s.io', 'default', 'foreign')?.['metadata'] as
      { labels?: Record<string, string> } | undefined;
    assert.equal(taken?.labels?.['kube-lego/managed'], 'true', 'a Lease made before 1.0.0 gains the label');
  });
});
