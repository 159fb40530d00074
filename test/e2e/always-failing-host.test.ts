import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAILURE_DELAYS_MS } from '../../src/domain/backoff.js';
import { parseIssuanceRecord } from '../../src/domain/secret-annotations.js';
import type { IssuanceRecord } from '../../src/domain/types.js';
import { readyzOk } from '../support/readyz.js';
import { alwaysFailingOrders, mostInAnyWindow } from '../support/order-schedule.js';
import { startFaultRig, type FaultRig } from './fault-rig.js';
import type { ControllerProcess } from './controller-process.js';

const HOST = 'never.always-fails.example.test';
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Let's Encrypt's failed-validation limit: 5 per account, host and hour. */
const ORDERS_PER_HOUR_LIMIT = 5;
/** How long each restarted process runs: it syncs, reconciles the Secret and waits. */
const RUN_MS = 3_000;

describe('a host whose validation always fails, across restarts (real process, sandbox, Pebble behind a counting proxy)', () => {
  let rig: FaultRig;

  before(async () => {
    rig = await startFaultRig();
    // Pebble's VA gets SERVFAIL for the host: its http-01 validation can never succeed.
    await rig.pebble.challtest.setServfail(HOST);
  });

  after(async () => {
    await rig.close();
  });

  /** The persisted record once it shows `failures` failures. */
  function failures(count: number, timeoutMs = 60_000): Promise<IssuanceRecord> {
    return rig.eventually(
      `never-tls with ${String(count)} failure(s)`,
      async () => {
        const annotations = (await rig.secret('never-tls'))?.metadata?.annotations ?? {};
        const { record } = parseIssuanceRecord(annotations);
        return record.failures === count && record.retryNotBeforeMs !== undefined ? record : undefined;
      },
      timeoutMs,
    );
  }

  /** Restarts the controller `times` times, alternating SIGKILL and SIGTERM, each run long enough to reconcile. */
  async function restarts(running: ControllerProcess, times: number): Promise<ControllerProcess> {
    let current = running;
    for (let i = 0; i < times; i++) {
      await (i % 2 === 0 ? current.kill() : current.terminate());
      current = rig.startController();
      await rig.eventually('/readyz', async () => ((await readyzOk(rig.pebble.httpPort)) ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, RUN_MS));
    }
    return current;
  }

  it('orders once per failure tier whatever the restarts, and the persisted schedule allows at most 5 orders in any hour', async (t) => {
    let lego = rig.startController();
    await rig.applyIngress('never', [HOST]);
    const first = await failures(1);
    assert.equal(rig.ca.ordersFor(HOST), 1, 'one order for the first tier');
    assert.equal(first.lastFailureReason, 'ChallengeFailed');
    const firstDelayMs = (first.retryNotBeforeMs ?? 0) - (first.lastFailureMs ?? 0);
    assert.equal(firstDelayMs, FAILURE_DELAYS_MS[0], 'the first tier waits a minute');

    lego = await restarts(lego, 3);
    const ordersAfterRestarts = rig.ca.ordersFor(HOST);
    assert.ok(Date.now() < (first.retryNotBeforeMs ?? 0), 'the restarts happened inside the first tier');
    assert.equal(
      ordersAfterRestarts,
      1,
      `three restarts inside the first tier order nothing:\n${lego.lines.join('\n')}`,
    );

    // The second tier: one more order once retry-not-before has passed, then ten minutes.
    const second = await failures(2, (first.retryNotBeforeMs ?? 0) - Date.now() + 45_000);
    const orders = rig.ca.orderRequestsFor(HOST).map((r) => r.atMs);
    assert.equal(orders.length, 2, 'one order for the second tier');
    assert.ok(
      (orders[1] ?? 0) >= (first.retryNotBeforeMs ?? Infinity),
      'the second order waited for the persisted retry-not-before',
    );
    assert.equal((second.retryNotBeforeMs ?? 0) - (second.lastFailureMs ?? 0), FAILURE_DELAYS_MS[1]);
    lego = await restarts(lego, 2);
    assert.equal(rig.ca.ordersFor(HOST), 2, 'two restarts inside the second tier order nothing');
    assert.equal(await lego.terminate(), 0);

    // What the persisted schedule allows from here on, with the orders already made: never 5 in an hour.
    const nowMs = Date.now();
    const planned = alwaysFailingOrders({
      record: second,
      fromMs: nowMs,
      untilMs: nowMs + 7 * DAY_MS,
      reason: 'ChallengeFailed',
    });
    const all = [...rig.ca.orderRequestsFor(HOST).map((r) => r.atMs), ...planned];
    const most = mostInAnyWindow(all, HOUR_MS);
    t.diagnostic(
      `orders at the CA: ${String(orders.length)} in ${String(Math.round((nowMs - (orders[0] ?? nowMs)) / 1000))} s over 5 restarts; first tier ${String(firstDelayMs / 1000)} s, second ${String(((second.retryNotBeforeMs ?? 0) - (second.lastFailureMs ?? 0)) / 1000)} s; the schedule's next orders at +${planned
        .slice(0, 3)
        .map((at) => `${String(Math.round((at - nowMs) / 60_000))} min`)
        .join(', +')}; most orders in any hour: ${String(most)}`,
    );
    assert.ok(most <= ORDERS_PER_HOUR_LIMIT, `${String(most)} orders in one hour`);
  });
});
