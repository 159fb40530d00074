import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freeLoopbackPort } from '../support/free-port.js';
import { readyzBody } from '../support/readyz.js';
import type { ControllerProcess } from './controller-process.js';
import { assertIssuedPair, CONTROLLER_USER, startFaultRig, type FaultRig } from './fault-rig.js';

/** Short lease timings, in the ratio of client-go's defaults (15 s / 10 s / 2 s). */
const LEASE_DURATION_MS = 3_000;
/** Timers and requests late on a loaded 2-core machine: a takeover measured 3.6-3.8 s against 3.6 s of timings. */
const SCHEDULING_SLACK_MS = 700;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_PERIOD_MS = 500;
const HA: Readonly<Record<string, string>> = {
  LEGO_LEADER_ELECT: 'true',
  LEGO_LEASE_DURATION: '3s',
  LEGO_RENEW_DEADLINE: '2s',
  LEGO_RETRY_PERIOD: '500ms',
};
/** The second sandbox user: a replica the sandbox can partition from the API on its own. */
const OTHER_USER = 'kube-lego-other';

describe('two replicas with leader election (real processes, the sandbox, Pebble)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig({ users: [OTHER_USER] });
  });

  after(async () => {
    await rig.close();
  });

  function lease(): { holderIdentity?: string; leaseTransitions?: number; acquireTime?: string } {
    const spec = rig.sandbox.store.get('leases.coordination.k8s.io', 'kube-lego', 'kube-lego')?.['spec'];
    return (spec ?? {}) as { holderIdentity?: string; leaseTransitions?: number; acquireTime?: string };
  }

  /** A leader on a free port (the CA cannot reach it), then a follower on the port Pebble's VA dials. */
  async function startPair(
    names: readonly [string, string],
    users: readonly [string, string] = [CONTROLLER_USER, CONTROLLER_USER],
  ): Promise<{
    leader: ControllerProcess;
    follower: ControllerProcess;
    leaderPort: number;
    metricsPorts: readonly [number, number];
  }> {
    const leaderPort = await freeLoopbackPort();
    const metricsPorts = [await freeLoopbackPort(), await freeLoopbackPort()] as const;
    const leader = rig.startController(
      {
        ...HA,
        LEGO_POD_NAME: names[0],
        LEGO_PORT: String(leaderPort),
        LEGO_METRICS_PORT: String(metricsPorts[0]),
      },
      users[0],
    );
    await rig.eventually(`${names[0]} leading`, async () =>
      (await readyzBody(leaderPort)) === 'ok leader=true' ? true : undefined,
    );
    const follower = rig.startController(
      { ...HA, LEGO_POD_NAME: names[1], LEGO_METRICS_PORT: String(metricsPorts[1]) },
      users[1],
    );
    await rig.eventually(`${names[1]} ready as a follower`, async () =>
      (await readyzBody(rig.pebble.httpPort)) === 'ok leader=false' ? true : undefined,
    );
    return { leader, follower, leaderPort, metricsPorts };
  }

  /** The `kube_lego_leader` gauge a replica exports. */
  async function leaderGauge(metricsPort: number): Promise<string | undefined> {
    const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    return /^kube_lego_leader (\S+)$/m.exec(text)?.[1];
  }

  async function applyAll(prefix: string, count: number): Promise<string[]> {
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i)}`);
    for (const name of names) await rig.applyIngress(name, [`${name}.example.test`]);
    return names;
  }

  async function allIssued(names: readonly string[], timeoutMs = 90_000): Promise<void> {
    for (const name of names) {
      const stored = await rig.eventually(
        `the certificate in ${name}-tls`,
        async () => {
          const secret = await rig.secret(`${name}-tls`);
          return secret?.metadata?.annotations?.['kube-lego/not-after'] === undefined ? undefined : secret;
        },
        timeoutMs,
      );
      assertIssuedPair(stored, [`${name}.example.test`]);
    }
  }

  const ordersFor = (names: readonly string[]): number =>
    names.reduce((sum, name) => sum + rig.ca.ordersFor(`${name}.example.test`), 0);

  it('issues 20 certificates with exactly one order each, the CA reaching only the follower', async () => {
    const { leader, follower, leaderPort, metricsPorts } = await startPair(['replica-a', 'replica-b']);
    assert.equal(lease().holderIdentity, 'replica-a');
    const names = await applyAll('pair', 20);
    await allIssued(names);
    assert.equal(ordersFor(names), 20, 'one order per Ingress: the follower ordered nothing');
    for (const name of names) assert.equal(rig.ca.ordersFor(`${name}.example.test`), 1, name);
    // Every validation went to the follower's port (the only one Pebble dials) and succeeded.
    assert.equal(await readyzBody(rig.pebble.httpPort), 'ok leader=false');
    assert.equal(await readyzBody(leaderPort), 'ok leader=true');
    assert.deepEqual(
      [await leaderGauge(metricsPorts[0]), await leaderGauge(metricsPorts[1])],
      ['1', '0'],
      'kube_lego_leader: 1 on the leader, 0 on the follower',
    );
    assert.equal(lease().holderIdentity, 'replica-a');
    // Stopped gracefully, the leader releases the Lease; both stop.
    await Promise.all([leader.terminate(), follower.terminate()]);
  });

  it('resumes the order of a leader killed mid-order: takeover within lease duration + retry period, one account key', async (t) => {
    const account = (
      await rig.kubectl('get', 'secret', 'kube-lego-account', '-n', 'kube-lego', '-o', 'json')
    ).trim();
    const accountKey = (JSON.parse(account) as { data: Record<string, string> }).data;
    const { leader, follower } = await startPair(['replica-c', 'replica-d']);
    const transitions = lease().leaseTransitions ?? 0;
    let killedAtMs = 0;
    // Killed once the CA has answered the first challenge request: the order is open and its URL stored.
    rig.ca.afterResponse(/^\/chalZ\//, async () => {
      if (killedAtMs !== 0) return;
      killedAtMs = Date.now();
      await leader.kill();
    });
    const names = await applyAll('kill', 5);
    await rig.eventually('the leader killed mid-order', () =>
      Promise.resolve(killedAtMs === 0 ? undefined : true),
    );
    await rig.eventually('replica-d leading', async () =>
      (await readyzBody(rig.pebble.httpPort)) === 'ok leader=true' ? true : undefined,
    );
    // The Lease's acquireTime is written by the new leader as it takes the Lease (same host clock).
    const tookOverMs = Date.parse(lease().acquireTime ?? '') - killedAtMs;
    assert.ok(
      tookOverMs <= LEASE_DURATION_MS + RETRY_PERIOD_MS * 1.2 + SCHEDULING_SLACK_MS,
      `took the Lease ${String(tookOverMs)} ms after the kill`,
    );
    t.diagnostic(`the follower took the Lease ${String(tookOverMs)} ms after the kill`);
    assert.equal(lease().holderIdentity, 'replica-d');
    assert.equal(lease().leaseTransitions, transitions + 1);
    await allIssued(names);
    const interrupted = 1;
    assert.ok(ordersFor(names) <= names.length + interrupted, `${String(ordersFor(names))} orders`);
    const after = JSON.parse(
      await rig.kubectl('get', 'secret', 'kube-lego-account', '-n', 'kube-lego', '-o', 'json'),
    ) as { data: Record<string, string> };
    assert.deepEqual(after.data, accountKey, 'the account key was never regenerated');
    t.diagnostic(`${String(ordersFor(names))} orders for ${String(names.length)} certificates and 1 kill`);
    await follower.terminate();
  });

  it('a leader partitioned from the API stops ordering within the renew deadline; the other takes over', async (t) => {
    const { leader, follower } = await startPair(['replica-e', 'replica-f'], [OTHER_USER, CONTROLLER_USER]);
    let partitionedAtMs = 0;
    rig.ca.afterResponse(/^\/order-plz/, () => {
      if (partitionedAtMs !== 0) return;
      partitionedAtMs = Date.now();
      rig.sandbox.faults.partition({ user: OTHER_USER });
    });
    const names = await applyAll('partition', 6);
    try {
      await rig.eventually('the leader partitioned', () =>
        Promise.resolve(partitionedAtMs === 0 ? undefined : true),
      );
      await rig.eventually('replica-f leading', async () =>
        (await readyzBody(rig.pebble.httpPort)) === 'ok leader=true' ? true : undefined,
      );
      const acquiredAtMs = Date.parse(lease().acquireTime ?? '');
      assert.equal(lease().holderIdentity, 'replica-f');
      t.diagnostic(
        `the other replica acquired the Lease ${String(acquiredAtMs - partitionedAtMs)} ms after the partition`,
      );
      assert.ok(
        acquiredAtMs - partitionedAtMs >= RENEW_DEADLINE_MS,
        'the other waited for the Lease to expire',
      );
      // Between the partitioned leader's renew deadline (plus a moment for its in-flight request) and the
      // other's takeover, nobody opened an order: the partitioned leader had stopped.
      const quietFrom = partitionedAtMs + RENEW_DEADLINE_MS + 250;
      const ordersInGap = rig.ca.requests.filter(
        (r) => r.path.startsWith('/order-plz') && r.atMs > quietFrom && r.atMs < acquiredAtMs,
      );
      assert.deepEqual(
        ordersInGap.map((r) => r.atMs),
        [],
        'no order between the renew deadline and the takeover',
      );
      await allIssued(names);
    } finally {
      rig.sandbox.faults.heal();
    }
    // No two replicas wrote the same Secret in the same second (the audit log, by sandbox user).
    const writers = new Map<string, Set<string>>();
    for (const entry of rig.sandbox.audit) {
      if (entry.resource !== 'secrets' || entry.status < 200 || entry.status >= 300) continue;
      if (!['create', 'update', 'patch'].includes(entry.verb)) continue;
      const key = `${entry.namespace}/${entry.name}@${entry.at.slice(0, 19)}`;
      const users = writers.get(key) ?? new Set<string>();
      users.add(entry.user);
      writers.set(key, users);
    }
    const shared = [...writers].filter(([, users]) => users.size > 1).map(([key]) => key);
    assert.deepEqual(shared, [], 'Secrets written by two replicas in the same second');
    assert.ok(
      ordersFor(names) <= names.length + 4,
      `${String(ordersFor(names))} orders for ${String(names.length)}`,
    );
    t.diagnostic(`${String(ordersFor(names))} orders for ${String(names.length)} certificates`);
    await Promise.all([leader.kill(), follower.terminate()]);
  });
});
