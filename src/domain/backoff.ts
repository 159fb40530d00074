import { toWholeSecondsMs } from './secret-annotations.js';
import type { Validity } from './renewal.js';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Delays after the 1st, 2nd and 3rd consecutive failure; every later failure waits a day.
 * Let's Encrypt's integration guide: "1 min, 10 min, 100 min, then daily".
 */
export const FAILURE_DELAYS_MS: readonly number[] = [MINUTE_MS, 10 * MINUTE_MS, 100 * MINUTE_MS];
/** The delay after the 4th and later consecutive failures. */
export const DAILY_RETRY_MS = 24 * HOUR_MS;

/** How long to wait after `failures` consecutive failures (1 or more). */
export function failureDelayMs(failures: number): number {
  const index = Math.max(1, Math.floor(failures)) - 1;
  return FAILURE_DELAYS_MS[index] ?? DAILY_RETRY_MS;
}

/** The first wait for a CA that could not be reached (or answered 502/503/504) and sent no Retry-After. */
export const CA_UNAVAILABLE_FIRST_DELAY_MS = 30 * 1000;
/** The longest wait for an unavailable CA: an outage must not leave certificates waiting long after it. */
export const CA_UNAVAILABLE_MAX_DELAY_MS = 5 * MINUTE_MS;

/**
 * How long to wait for a CA that is unavailable, given the previous wait of the same outage (none for
 * the first): doubling from 30 s, capped at 5 min. Not a failure tier: the order did not fail, the CA
 * was not there, so the failure count (and its 10-minute, 100-minute and daily tiers) is left alone.
 */
export function caUnavailableDelayMs(previousDelayMs: number | undefined): number {
  if (previousDelayMs === undefined || previousDelayMs <= 0) return CA_UNAVAILABLE_FIRST_DELAY_MS;
  return Math.min(CA_UNAVAILABLE_MAX_DELAY_MS, Math.max(CA_UNAVAILABLE_FIRST_DELAY_MS, previousDelayMs * 2));
}

/** What is known when an attempt fails. */
export interface RetryInput {
  readonly nowMs: number;
  /** Consecutive failures including this one. */
  readonly failures: number;
  /** The CA's Retry-After for a `rateLimited` problem: honoured exactly. */
  readonly retryAfterMs?: number;
  /** Validity of the certificate currently in the Secret, if any. */
  readonly current?: Validity;
}

/**
 * The earliest time of the next attempt (whole seconds). A rate-limited failure waits exactly what the
 * CA said. Otherwise the failure delay applies, clamped so a certificate that is still valid gets one
 * more try before it expires: the retry moves to a margin (a tenth of the lifetime, at most an hour)
 * before notAfter. Once that point has passed, the plain delay applies again, so the last hours of a
 * certificate never turn into a retry storm.
 */
export function retryNotBeforeMs(input: RetryInput): number {
  const { nowMs } = input;
  if (input.retryAfterMs !== undefined)
    return toWholeSecondsMs(nowMs + Math.max(0, input.retryAfterMs) + 999);
  const planned = nowMs + failureDelayMs(input.failures);
  const current = input.current;
  if (current === undefined || current.notAfterMs <= nowMs) return toWholeSecondsMs(planned);
  const lifetimeMs = Math.max(0, current.notAfterMs - current.notBeforeMs);
  const lastChanceMs = current.notAfterMs - Math.min(HOUR_MS, lifetimeMs / 10);
  if (planned <= lastChanceMs || lastChanceMs <= nowMs) return toWholeSecondsMs(planned);
  return toWholeSecondsMs(lastChanceMs);
}
