import { recordFailure } from '../../src/domain/record-outcome.js';
import type { Validity } from '../../src/domain/renewal.js';
import type { FailureReason, IssuanceRecord } from '../../src/domain/types.js';

/** What `alwaysFailingOrders()` simulates. */
export interface AlwaysFailingHost {
  /** The persisted record to continue from (failures so far, retry-not-before). */
  readonly record: IssuanceRecord;
  /** The first order: at the record's retry-not-before when it has one, otherwise here. */
  readonly fromMs: number;
  /** Simulate orders up to this time. */
  readonly untilMs: number;
  /** Why every order fails. */
  readonly reason: FailureReason;
  /** A certificate still in the Secret (its expiry clamps the backoff). */
  readonly current?: Validity;
}

/**
 * The earliest times a host whose every order fails can be ordered for, following the persisted schedule
 * alone: each failure goes through `recordFailure()` and the next order happens exactly at its
 * retry-not-before. Restarts do not appear: a restarted process reads the same record.
 */
export function alwaysFailingOrders(host: AlwaysFailingHost): number[] {
  const orders: number[] = [];
  let record = host.record;
  let atMs = Math.max(host.fromMs, record.retryNotBeforeMs ?? host.fromMs);
  while (atMs < host.untilMs) {
    orders.push(atMs);
    record = recordFailure(record, {
      reason: host.reason,
      hosts: record.hosts ?? ['always-fails.example'],
      nowMs: atMs,
      ...(host.current === undefined ? {} : { current: host.current }),
    });
    const next = record.retryNotBeforeMs ?? atMs;
    // A schedule that never moves on would be an order storm: count it and stop.
    atMs = next > atMs ? next : atMs + 1;
  }
  return orders;
}

/** The most of `timesMs` that fall in any window of `windowMs` (half-open: [t, t + windowMs)). */
export function mostInAnyWindow(timesMs: readonly number[], windowMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
