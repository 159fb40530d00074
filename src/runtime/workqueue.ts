import type { Clock, TimerHandle } from '../ports/clock.js';
import { clampDelayMs, MAX_DELAY_MS } from './clamp-delay.js';
import { DeadlineHeap } from './deadline-heap.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  readonly clock: Clock;
  /** Delays of addRateLimited(). @default client-go's default controller limiter */
  readonly rateLimiter?: RateLimiter;
  /** Longest delay addAfter() arms a timer for; later work is simply looked at again then. @default one day */
  readonly maxDelayMs?: number;
}

/** The one timer armed, for the earliest delayed key. */
interface ArmedTimer {
  readonly atMs: number;
  readonly handle: TimerHandle;
}

/**
 * A de-duplicating work queue of string keys, with client-go's protocol: `get()` hands a key to one
 * worker, which must call `done(key)`; a key added while it is being processed is queued again after
 * `done`, never handed to two workers at once, and a key is queued at most once however often it is
 * added. Delays go through the injected clock and are clamped (at most a day), so Node's timer overflow
 * can never turn a far renewal into a hot loop. Delayed keys wait in one heap behind a single timer armed
 * for the earliest of them, however many certificates wait for their renewal.
 *
 * @example
 * for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
 *   try { await reconcile(key); queue.forget(key); } catch { queue.addRateLimited(key); } finally { queue.done(key); }
 * }
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter;
  readonly #maxDelayMs: number;
  /** FIFO of keys ready to be handed out; `#head` avoids O(n) shifts. */
  #queue: string[] = [];
  #head = 0;
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<string>();
  /** When each dirty key was added: the age of the oldest is how far the workers are behind. */
  readonly #addedAtMs = new Map<string, number>();
  readonly #processing = new Set<string>();
  /** When each delayed key becomes ready; the heap may also hold stale (superseded) entries. */
  readonly #delayed = new Map<string, number>();
  readonly #deadlines = new DeadlineHeap();
  #armed: ArmedTimer | undefined;
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #drained: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.#maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
  }

  /** Queues `key` now, unless it is already queued. Ignored after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAtMs.set(key, this.#clock.nowMs());
    if (this.#processing.has(key)) return; // re-queued by done()
    this.#queue.push(key);
    this.#pump();
  }

  /**
   * Queues `key` after `delayMs` (clamped to [0, maxDelayMs]). If the key is already waiting, the
   * earlier of the two times wins.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    const delay = clampDelayMs(delayMs, this.#maxDelayMs);
    if (delay === 0) {
      this.add(key);
      return;
    }
    const readyAtMs = this.#clock.nowMs() + delay;
    const existingAtMs = this.#delayed.get(key);
    if (existingAtMs !== undefined && existingAtMs <= readyAtMs) return;
    this.#delayed.set(key, readyAtMs);
    this.#deadlines.push(key, readyAtMs);
    // Superseded entries stay in the heap until popped; compact when they outnumber the live ones.
    if (this.#deadlines.size > 1024 && this.#deadlines.size > 2 * this.#delayed.size)
      this.#deadlines.retain(({ key: k, dueAtMs }) => this.#delayed.get(k) === dueAtMs);
    this.#arm();
  }

  /** Queues `key` after the rate limiter's delay for it (a failed attempt). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.#limiter.when(key, this.#clock.nowMs()));
  }

  /** Clears the retry history of `key` (after a success); does not remove it from the queue. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  /** How many times `key` was retried through addRateLimited() since the last forget(). */
  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /** Waits for the next key; `undefined` once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
    });
  }

  /** Marks `key` as processed; queues it again if it was added meanwhile. */
  done(key: string): void {
    // A stray done() for a key that was not handed out must not queue it a second time.
    const wasProcessing = this.#processing.delete(key);
    if (wasProcessing && this.#dirty.has(key) && !this.#shuttingDown) {
      this.#queue.push(key);
      this.#pump();
    }
    if (this.#shuttingDown && this.#processing.size === 0) this.#resolveDrained();
  }

  /** Keys waiting to be handed out (not counting delayed or in-process keys). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Keys handed out and not yet done. */
  get processingCount(): number {
    return this.#processing.size;
  }

  /** Keys waiting for a delay to pass. */
  get delayedCount(): number {
    return this.#delayed.size;
  }

  /** How long the key that has waited longest for a worker has waited (0 when none waits). */
  oldestWaitMs(): number {
    let oldestMs: number | undefined;
    for (const atMs of this.#addedAtMs.values())
      if (oldestMs === undefined || atMs < oldestMs) oldestMs = atMs;
    return oldestMs === undefined ? 0 : Math.max(0, this.#clock.nowMs() - oldestMs);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops handing out work: pending and later get() calls resolve `undefined`, queued and delayed keys
   * are dropped (reconciling is level-triggered: the next start finds the same work again) and timers
   * are cancelled. Keys being processed may still call done().
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#armed?.handle.cancel();
    this.#armed = undefined;
    this.#delayed.clear();
    this.#deadlines.clear();
    this.#queue = [];
    this.#head = 0;
    this.#dirty.clear();
    this.#addedAtMs.clear();
    for (const resolve of this.#waiters.splice(0)) resolve(undefined);
    if (this.#processing.size === 0) this.#resolveDrained();
  }

  /** shutDown(), then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      this.#drained.push(resolve);
    });
    this.shutDown();
    if (this.#processing.size === 0) this.#resolveDrained();
    return drained;
  }

  #take(): string | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const key = this.#queue[this.#head];
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (key === undefined) return undefined;
    this.#dirty.delete(key);
    this.#addedAtMs.delete(key);
    this.#processing.add(key);
    return key;
  }

  #pump(): void {
    while (this.#waiters.length > 0) {
      const key = this.#take();
      if (key === undefined) return;
      this.#waiters.shift()?.(key);
    }
  }

  /** Keeps the one timer armed for the earliest live deadline (re-arming only when that changes). */
  #arm(): void {
    let next = this.#deadlines.peek();
    while (next !== undefined && this.#delayed.get(next.key) !== next.dueAtMs) {
      this.#deadlines.pop();
      next = this.#deadlines.peek();
    }
    if (next === undefined) {
      this.#armed?.handle.cancel();
      this.#armed = undefined;
      return;
    }
    if (this.#armed !== undefined && this.#armed.atMs <= next.dueAtMs) return;
    this.#armed?.handle.cancel();
    const atMs = next.dueAtMs;
    const delay = clampDelayMs(atMs - this.#clock.nowMs(), this.#maxDelayMs);
    const handle = this.#clock.setTimer(delay, () => {
      if (this.#armed?.handle !== handle) return;
      this.#armed = undefined;
      this.#releaseDue();
    });
    this.#armed = { atMs, handle };
  }

  /** Queues every delayed key whose time has come, then arms the timer for the next one. */
  #releaseDue(): void {
    const nowMs = this.#clock.nowMs();
    for (
      let next = this.#deadlines.peek();
      next !== undefined && next.dueAtMs <= nowMs;
      next = this.#deadlines.peek()
    ) {
      this.#deadlines.pop();
      if (this.#delayed.get(next.key) !== next.dueAtMs) continue; // superseded by an earlier time
      this.#delayed.delete(next.key);
      this.add(next.key);
    }
    this.#arm();
  }

  #resolveDrained(): void {
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
