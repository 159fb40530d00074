import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';
import type { FailureReason } from '../domain/types.js';

/** A failed issuance, classified once for the persisted record, the Event and the log line. */
export interface ClassifiedFailure {
  readonly reason: FailureReason;
  /** The server's Retry-After, when the reaction is to wait until then. */
  readonly retryAfterMs?: number;
}

/** Errors that are not kube-lego's own: nothing is known about them, so the failure backoff applies. */
const UNKNOWN: Reaction = { kind: 'backOff', reason: 'Unknown' };

/**
 * Maps an error from the issuance path to the persisted failure reason and the server's Retry-After:
 * both are read from the reaction the error was classified with where it was made.
 */
export function classifyFailure(err: unknown, timedOut: boolean): ClassifiedFailure {
  if (timedOut) return { reason: 'Timeout' };
  const reaction = err instanceof KubeLegoError ? err.reaction : UNKNOWN;
  return {
    reason: reaction.reason,
    ...(reaction.kind === 'waitUntil' ? { retryAfterMs: reaction.retryAfterMs } : {}),
  };
}
