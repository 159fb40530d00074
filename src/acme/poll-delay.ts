/** The caller's polling bounds. */
export interface PollPolicy {
  /** First delay when the server sends no Retry-After; it doubles on every poll up to `pollIntervalMs`. @default 100 */
  readonly firstPollDelayMs?: number | undefined;
  /** Longest delay between polls when the server sends no Retry-After. @default 1000 */
  readonly pollIntervalMs?: number | undefined;
  /** Upper bound of one delay, even when the server's Retry-After asks for more. @default 30000 */
  readonly maxPollDelayMs?: number | undefined;
}

/**
 * How long to wait before poll number `polls` (0 for the first): the server's Retry-After when it sent one
 * (it knows when the work will be done, and Let's Encrypt asks clients to honour it); else a delay that
 * starts short and doubles up to the caller's interval, so that a fast CA is not waited on for a whole
 * second while a slow one is not polled more than once per interval; never more than `maxPollDelayMs`, so a
 * huge Retry-After cannot park an issuance for hours. Pure.
 */
export function pollDelayMs(policy: PollPolicy, retryAfterMs: number | undefined, polls = 0): number {
  const intervalMs = policy.pollIntervalMs ?? 1000;
  const firstMs = Math.min(policy.firstPollDelayMs ?? 100, intervalMs);
  const backoffMs = Math.min(firstMs * 2 ** Math.min(polls, 30), intervalMs);
  const wanted = retryAfterMs ?? backoffMs;
  return Math.min(Math.max(0, wanted), policy.maxPollDelayMs ?? 30_000);
}

/** The waiting phases of one order. */
export type PollPhase =
  /** The challenges are answered, the CA has not fetched every token yet (or the solver cannot tell). */
  | 'validation'
  /** The CA has fetched every token: the order leaves `pending` within milliseconds. */
  | 'fetched'
  /** Finalized: the CA is signing. */
  | 'processing';

/** The caller's first delay of each phase, on top of the common bounds. */
export interface PhasedPollPolicy extends PollPolicy {
  /** First delay after the CA has fetched every token. @default 5 */
  readonly fetchedPollDelayMs?: number | undefined;
  /** First delay after finalize. @default 10 */
  readonly processingPollDelayMs?: number | undefined;
}

/**
 * The polling policy of one phase: validation starts at `firstPollDelayMs` (a CA that validates from
 * several places can take its time), the wait after the last token was fetched at `fetchedPollDelayMs`,
 * signing at `processingPollDelayMs`; each doubles from there up to the same `pollIntervalMs`, and the
 * server's Retry-After wins over all of them (see pollDelayMs). Pure.
 */
export function phasePollPolicy(policy: PhasedPollPolicy, phase: PollPhase): PollPolicy {
  const firstPollDelayMs =
    phase === 'fetched'
      ? (policy.fetchedPollDelayMs ?? 5)
      : phase === 'processing'
        ? (policy.processingPollDelayMs ?? 10)
        : policy.firstPollDelayMs;
  return {
    firstPollDelayMs,
    pollIntervalMs: policy.pollIntervalMs,
    maxPollDelayMs: policy.maxPollDelayMs,
  };
}
