import assert from 'node:assert/strict';

/** How long `eventually()` polls, and what a timeout adds to its message (the last log lines, say). */
export interface EventuallyOptions {
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly intervalMs?: number;
  readonly context?: () => string;
}

/** Polls `probe` until it returns a value, or fails the test naming `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const context = options.context?.() ?? '';
      assert.fail(`timed out waiting for ${what}${context === '' ? '' : `:\n${context}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
