import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_REASONS } from '../../src/domain/secret-annotations.js';
import type { FailureReason } from '../../src/domain/types.js';
import { alwaysFailingOrders, mostInAnyWindow } from '../support/order-schedule.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, NOW_MS, record } from '../support/builders.js';

/** Let's Encrypt's failed-validation limit is 5 per account, host and hour: never reach past it. */
const ORDERS_PER_HOUR_LIMIT = 5;

/** Every reason that counts as a failure (a rate limit waits what the CA said, an unavailable CA took no order). */
const FAILING: readonly FailureReason[] = FAILURE_REASONS.filter(
  (reason) => reason !== 'RateLimited' && reason !== 'CaUnavailable',
);

describe('a host that always fails gets at most 5 orders in any hour (the persisted backoff schedule)', () => {
  it('mostInAnyWindow() counts the busiest half-open window', () => {
    assert.equal(mostInAnyWindow([], HOUR_MS), 0);
    assert.equal(mostInAnyWindow([0, HOUR_MS - 1, HOUR_MS], HOUR_MS), 2);
    assert.equal(mostInAnyWindow([5, 1, 3, 2, 4], 3), 3);
  });

  it('alwaysFailingOrders() follows the tiers: now, +1 min, +10 min, +100 min, then daily', () => {
    const orders = alwaysFailingOrders({
      record: record({ hosts: ['a.example'] }),
      fromMs: NOW_MS,
      untilMs: NOW_MS + 3 * DAY_MS,
      reason: 'ChallengeFailed',
    });
    const offsetsMin = orders.map((at) => (at - NOW_MS) / MINUTE_MS);
    assert.deepEqual(offsetsMin, [0, 1, 11, 111, 111 + 1440, 111 + 2 * 1440]);
  });

  for (const reason of FAILING) {
    it(`${reason}: at most ${String(ORDERS_PER_HOUR_LIMIT)} orders in any hour over 30 days, from every persisted failure count`, () => {
      for (let failures = 0; failures <= 6; failures++) {
        const orders = alwaysFailingOrders({
          record: record({
            hosts: ['a.example'],
            failures,
            ...(failures === 0 ? {} : { lastFailureMs: NOW_MS, retryNotBeforeMs: NOW_MS + MINUTE_MS }),
          }),
          fromMs: NOW_MS,
          untilMs: NOW_MS + 30 * DAY_MS,
          reason,
        });
        const most = mostInAnyWindow(orders, HOUR_MS);
        assert.ok(
          most <= ORDERS_PER_HOUR_LIMIT,
          `${reason} from ${String(failures)} failures: ${String(most)} in one hour`,
        );
        assert.ok(
          orders.length <= 30 + 4,
          `${String(orders.length)} orders in 30 days: daily after the third`,
        );
      }
    });
  }

  it('a still-valid certificate pulls a retry before its expiry, yet never past 5 orders in any hour', () => {
    const lifetimes = [5 * MINUTE_MS, HOUR_MS, 7 * DAY_MS, 90 * DAY_MS];
    let worst = 0;
    for (const lifetimeMs of lifetimes) {
      // Every expiry from now to two days ahead, in 5-minute steps: wherever the failures meet the clamp.
      for (let untilExpiryMs = 0; untilExpiryMs <= 2 * DAY_MS; untilExpiryMs += 5 * MINUTE_MS) {
        const current = {
          notBeforeMs: NOW_MS + untilExpiryMs - lifetimeMs,
          notAfterMs: NOW_MS + untilExpiryMs,
        };
        const orders = alwaysFailingOrders({
          record: record({ hosts: ['a.example'] }),
          fromMs: NOW_MS,
          untilMs: NOW_MS + 4 * DAY_MS,
          reason: 'ChallengeFailed',
          current,
        });
        worst = Math.max(worst, mostInAnyWindow(orders, HOUR_MS));
      }
    }
    assert.ok(worst <= ORDERS_PER_HOUR_LIMIT, `worst hour: ${String(worst)} orders`);
  });
});
