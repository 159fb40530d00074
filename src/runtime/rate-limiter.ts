// Rate limiters for the work queue, after client-go's: the delay of a failed item is the maximum of
// a per-item exponential backoff (one bad key cannot spin) and an overall token bucket (many bad keys
// cannot flood the API server or the CA). Time is passed in, so they are plain state machines.

/** Decides how long a key waits before it is retried. */
export interface RateLimiter {
  /** Records one more retry of `key` and returns its delay in milliseconds. */
  when(key: string, nowMs: number): number;
  /** Clears the retry history of `key` (after a success). */
  forget(key: string): void;
  /** How many times `key` was retried since the last forget. */
  numRequeues(key: string): number;
}

/** Options of {@link ItemExponentialRateLimiter}. */
export interface ExponentialOptions {
  /** Delay of the first retry. @default 5 */
  readonly baseDelayMs?: number;
  /** Longest delay. @default 1_000_000 (about 16.7 minutes, as client-go) */
  readonly maxDelayMs?: number;
}

/** Per-key exponential backoff: base, 2 x base, 4 x base, ... capped at the maximum. */
export class ItemExponentialRateLimiter implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `Cannot create rate limiter as baseDelayMs must be > 0 and <= maxDelayMs: current values are ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    }
  }

  when(key: string, _nowMs: number): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity past ~1024; Math.min keeps the cap either way.
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** failures);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/** Options of {@link TokenBucketRateLimiter}. */
export interface BucketOptions {
  /** Tokens added per second. @default 10 */
  readonly ratePerSecond?: number;
  /** Bucket size: how many retries may happen at once. @default 100 */
  readonly burst?: number;
}

/** An overall token bucket: each retry takes a token, and waits for one when the bucket is empty. */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number | undefined;

  constructor(options: BucketOptions = {}) {
    const rate = options.ratePerSecond ?? 10;
    this.#burst = options.burst ?? 100;
    if (!(rate > 0) || !(this.#burst >= 1)) {
      throw new RangeError(
        `Cannot create token bucket as ratePerSecond must be > 0 and burst >= 1: current values are ${rate} and ${this.#burst}`,
      );
    }
    this.#ratePerMs = rate / 1000;
    this.#tokens = this.#burst;
  }

  when(_key: string, nowMs: number): number {
    const elapsed = this.#lastMs === undefined ? 0 : Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs) - 1;
    // A negative balance is a reservation: the retry waits until the bucket has refilled to it.
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#ratePerMs);
  }

  forget(_key: string): void {
    // The bucket is shared by all keys; there is no per-key history to clear.
  }

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The largest delay of several limiters; every limiter records each retry. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string, nowMs: number): number {
    return this.#limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(key, nowMs)), 0);
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#limiters.reduce((most, limiter) => Math.max(most, limiter.numRequeues(key)), 0);
  }
}

/** client-go's default controller limiter: 5 ms .. 1000 s per item, 10 per second (burst 100) overall. */
export function defaultControllerRateLimiter(): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter(), new TokenBucketRateLimiter());
}
