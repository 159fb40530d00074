import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry } from '../../dev/sandbox/sandbox.js';
import { readyzOk } from '../support/readyz.js';
import {
  assertIssuedPair,
  CONTROLLER_USER,
  startFaultRig,
  type FaultRig,
  type SecretJson,
} from './fault-rig.js';

/** The sandbox's bookmark interval; the controller learns it from the bookmarks it sees. */
const BOOKMARK_INTERVAL_MS = 2_000;
const PARTITION_MS = 30_000;
const HEAL_TO_ISSUANCE_LIMIT_MS = 60_000;
/**
 * Requests the controller may send while cut off for 30 s: two informers retrying with a backoff that
 * doubles from 1 s, each request hanging until its own timeout, plus the workers' bounded Secret write
 * retries. A retry without backoff would send hundreds.
 */
const OUTAGE_REQUEST_LIMIT = 30;
/** Requests in any one second of the outage. */
const OUTAGE_REQUESTS_PER_SECOND_LIMIT = 5;

const SECRET_WRITE = /\/namespaces\/default\/secrets(\/[^/]+)?$/;

// A failure is injected before the request is routed, so its audit entry names the path, not the resource.
function isSecretWrite(e: AuditEntry): boolean {
  return SECRET_WRITE.test(e.path) && ['POST', 'PUT', 'PATCH'].includes(e.method);
}

function isWatch(e: AuditEntry): boolean {
  return /(^|&)watch=(true|1)(&|$)/.test(e.query);
}

describe('API faults: 500s and resets on Secret writes and watches, then a 30 s silent partition (real process, sandbox, Pebble behind a counting proxy)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig({ bookmarkIntervalMs: BOOKMARK_INTERVAL_MS });
  });

  after(async () => {
    await rig.close();
  });

  function issued(name: string, timeoutMs = 60_000): Promise<SecretJson> {
    return rig.eventually(
      `${name} with a certificate`,
      async () => {
        const s = await rig.secret(name);
        return s?.metadata?.annotations?.['kube-lego/not-after'] !== undefined ? s : undefined;
      },
      timeoutMs,
    );
  }

  it('issues one order per host through write and watch faults and a partition, with a bounded request rate, and issues within 60 s of the heal', async (t) => {
    const { sandbox, ca } = rig;
    const controller = rig.startController();
    // Synced informers first: the faults below are meant for the running controller's watches and writes.
    await rig.eventually('/readyz', async () => ((await readyzOk(rig.pebble.httpPort)) ? true : undefined));

    // Faults on Secret writes, each write step meeting fewer than the 5 attempts an ordinary write has:
    // 500, reset and 'reset-after' (the write is applied and its answer lost, so the controller cannot
    // know it happened) on the Secret's creation (with the temporary pair), on the write of the order URL
    // with the pending key (armed at newOrder) and on the final write (armed at finalize).
    const writeFaults = (method: string, statuses: readonly (500 | 'reset' | 'reset-after')[]): void => {
      for (const status of statuses)
        sandbox.faults.failNext({ method, pathPattern: SECRET_WRITE, watch: false, count: 1, status });
    };
    writeFaults('POST', [500, 'reset', 'reset-after']);
    writeFaults('PATCH', [500, 'reset']);
    let ordered = false;
    ca.beforeRequest(/^\/order-plz/, () => {
      if (ordered) return;
      ordered = true;
      writeFaults('PUT', [500, 'reset']);
    });
    let finalized = false;
    ca.beforeRequest(/^\/finalize-order\//, () => {
      if (finalized) return;
      finalized = true;
      writeFaults('PUT', ['reset-after', 500]);
    });
    for (const resource of ['secrets', 'ingresses'])
      for (const status of [500, 'reset'] as const)
        sandbox.faults.failNext({
          method: 'GET',
          pathPattern: new RegExp(`/${resource}$`),
          watch: true,
          count: 1,
          status,
        });
    // The informers watch again at once, into the watch faults.
    sandbox.faults.closeWatches();
    const faultsFromIndex = sandbox.audit.length;
    await rig.applyIngress('faulty', ['faulty.api-faults.example.test']);
    const faulty = await issued('faulty-tls');
    assertIssuedPair(faulty, ['faulty.api-faults.example.test']);
    const injected = sandbox.audit
      .slice(faultsFromIndex)
      .filter((e) => e.user === CONTROLLER_USER && (e.status === 500 || e.status === 0));
    const injectedWrites = injected.filter(isSecretWrite);
    const injectedWatches = injected.filter(isWatch);
    t.diagnostic(
      `faults met: ${String(injectedWrites.length)} Secret writes (${injectedWrites.map((e) => `${e.method}=${String(e.status)}`).join(', ')}), ${String(injectedWatches.length)} watches (${injectedWatches.map((e) => `${e.path.split('/').at(-1) ?? ''}=${String(e.status)}`).join(', ')})`,
    );
    assert.ok(
      injectedWrites.some((e) => e.status === 500) && injectedWrites.some((e) => e.status === 0),
      'Secret writes met both a 500 and a reset',
    );
    assert.ok(
      injectedWrites.length >= 6,
      'the creation, the order URL and pending-key write and the final write met their faults',
    );
    assert.equal(injectedWatches.length, 4, 'each informer met a 500 and a reset on its watch');

    // A few bookmarks, so the controller has seen the interval the server keeps, then the partition.
    await new Promise((resolve) => setTimeout(resolve, 2 * BOOKMARK_INTERVAL_MS));
    const cutAtMs = Date.now();
    const cutAt = new Date(cutAtMs).toISOString();
    sandbox.faults.partition({ user: CONTROLLER_USER });
    await rig.applyIngress('during', ['during.api-faults.example.test']);
    await new Promise((resolve) => setTimeout(resolve, cutAtMs + PARTITION_MS - Date.now()));
    const healedAtMs = Date.now();
    const healedAt = new Date(healedAtMs).toISOString();
    sandbox.faults.heal();
    const during = await issued('during-tls', HEAL_TO_ISSUANCE_LIMIT_MS + 5_000);
    const healToIssuanceMs = Date.now() - healedAtMs;
    assertIssuedPair(during, ['during.api-faults.example.test']);

    const outage = sandbox.audit.filter(
      (e) => e.user === CONTROLLER_USER && e.at >= cutAt && e.at < healedAt,
    );
    const perSecond = new Map<number, number>();
    for (const e of outage) {
      const second = Math.floor((Date.parse(e.at) - cutAtMs) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const peakPerSecond = Math.max(0, ...perSecond.values());
    const orders = {
      faulty: ca.ordersFor('faulty.api-faults.example.test'),
      during: ca.ordersFor('during.api-faults.example.test'),
    };
    const summary = `${String(outage.length)} requests during the ${String(PARTITION_MS)} ms outage (${(outage.length / (PARTITION_MS / 1000)).toFixed(2)}/s on average, peak ${String(peakPerSecond)} in one second), issued ${String(healToIssuanceMs)} ms after the heal, newOrder per host: faulty ${String(orders.faulty)}, during ${String(orders.during)}`;
    t.diagnostic(summary);
    assert.ok(outage.length <= OUTAGE_REQUEST_LIMIT, summary);
    assert.ok(peakPerSecond <= OUTAGE_REQUESTS_PER_SECOND_LIMIT, summary);
    assert.ok(healToIssuanceMs <= HEAL_TO_ISSUANCE_LIMIT_MS, summary);
    assert.deepEqual(orders, { faulty: 1, during: 1 }, `no duplicate order: ${summary}`);
    assert.equal(await controller.terminate(), 0);
  });
});
