/** The caller's polling bounds. */
export interface PollPolicy {
  /** Delay when the server sends no Retry-After. @default 1000 */
  readonly pollIntervalMs?: number | undefined;
  /** Upper bound of one delay, even when the server's Retry-After asks for more. @default 30000 */
  readonly maxPollDelayMs?: number | undefined;
}

/**
 * How long to wait before the next poll: the server's Retry-After when it sent one (it knows when the
 * work will be done, and Let's Encrypt asks clients to honour it), else the caller's interval; never
 * more than `maxPollDelayMs`, so a huge Retry-After cannot park an issuance for hours. Pure.
 */
export function pollDelayMs(policy: PollPolicy, retryAfterMs: number | undefined): number {
  const wanted = retryAfterMs ?? policy.pollIntervalMs ?? 1000;
  return Math.min(Math.max(0, wanted), policy.maxPollDelayMs ?? 30_000);
}
