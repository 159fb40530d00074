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
