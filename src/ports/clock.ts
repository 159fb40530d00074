/** A pending timer; cancelling an already fired or cancelled timer does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time and timers, injected so the runtime can be driven by a fake clock in tests. Implementations
 * must accept any finite delay: callers clamp, but a clock must never turn a long delay into an
 * immediate one (Node's setTimeout fires after 1 ms for delays above 2^31-1 ms).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Calls `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}
