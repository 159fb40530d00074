/** The longest delay any timer of kube-lego is armed with: a day, far below Node's 2^31-1 ms limit. */
export const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

/**
 * Clamps a delay into [0, maxMs]. NaN and negative delays become 0, Infinity and anything above the
 * maximum become the maximum: a late wake-up only recomputes the decision, an overflowing timer would
 * fire at once and hot-loop.
 */
export function clampDelayMs(delayMs: number, maxMs: number = MAX_DELAY_MS): number {
  if (Number.isNaN(delayMs) || delayMs <= 0) return 0;
  return Math.min(delayMs, maxMs);
}
