import type { FailureReason } from './types.js';

/**
 * What the controller does about a failure, decided once where the error is made (from the HTTP status,
 * the ACME problem type or the check that failed), with the reason it records on the Secret:
 *
 * - `retry`: transient and cheap to repeat; the work queue's per-key rate limit spaces the attempts.
 * - `backOff`: transient; the persisted failure backoff applies (1 min, 10 min, 100 min, then daily).
 * - `waitUntil`: the server said when (`Retry-After`); the next attempt waits exactly that long.
 * - `giveUp`: terminal, the input or the configuration must change; reported through a log line and
 *   an Event, and no new order before the failure backoff has passed.
 */
export type Reaction =
  | { readonly kind: 'retry'; readonly reason: FailureReason }
  | { readonly kind: 'backOff'; readonly reason: FailureReason }
  | { readonly kind: 'waitUntil'; readonly reason: FailureReason; readonly retryAfterMs: number }
  | { readonly kind: 'giveUp'; readonly reason: FailureReason };

/** The reaction to a rate limit: the server's Retry-After when it sent one, the failure backoff otherwise. */
export function rateLimitReaction(reason: FailureReason, retryAfterMs: number | undefined): Reaction {
  return retryAfterMs === undefined
    ? { kind: 'backOff', reason }
    : { kind: 'waitUntil', reason, retryAfterMs };
}

/**
 * The one base of kube-lego's errors: a stable `code` callers branch on (never the message) and the
 * `reaction` the reconcile loop acts on. The original error, when there is one, stays as `cause`.
 */
export abstract class KubeLegoError extends Error {
  /** Stable, camelCase; part of the interface (tests and users match on it). */
  abstract readonly code: string;
  /** What the reconcile loop does about this failure. */
  abstract get reaction(): Reaction;
}
