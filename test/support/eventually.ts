import assert from 'node:assert/strict';

/**
 * Polls `probe` every 200 ms until it gives a value (a thrown error counts as not yet), or fails after
 * `timeoutMs` with `what` and the `context()` text (the controller's last log lines, usually).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { readonly timeoutMs?: number; readonly context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}:\n${options.context?.() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
