import { NoncePool } from './nonce-pool.js';

/** A caller waiting for a nonce. */
interface Waiter {
  readonly signal: AbortSignal | undefined;
  /** Hands it a nonce, or `undefined` to make it fetch one itself. */
  readonly deliver: (nonce: string | undefined) => void;
  /** Rejects it with the signal's reason. */
  readonly abort: (reason: Error) => void;
}

/**
 * Hands out replay nonces so that concurrent signed requests never fetch more than they must.
 *
 * Invariant: every nonce handed out by `take()` comes with a reservation, because the request that spends
 * it will bring a fresh nonce back. While any reservation is open, callers that find the pool empty wait
 * for that nonce instead of calling newNonce; `fetchNonce` (newNonce) runs only when the pool is empty and
 * nothing is in flight. Each `take()` must be paired with one `release()` after its response is in (or the
 * request failed), and every response's `Replay-Nonce` goes through `offer()`.
 */
export class NonceSupply {
  readonly #pool: NoncePool;
  readonly #fetchNonce: (signal: AbortSignal | undefined) => Promise<string>;
  #open = 0;
  #waiters: Waiter[] = [];
  /** The waiters of each signal and the one abort listener they share. */
  readonly #bySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  /** @param fetchNonce gets a nonce from the server (HEAD newNonce) */
  constructor(fetchNonce: (signal: AbortSignal | undefined) => Promise<string>, capacity?: number) {
    this.#fetchNonce = fetchNonce;
    this.#pool = new NoncePool(capacity);
  }

  /** A nonce with a reservation; pair it with `release()`. */
  async take(signal?: AbortSignal): Promise<string> {
    for (;;) {
      const pooled = this.#pool.take();
      if (pooled !== undefined) {
        this.#open += 1;
        return pooled;
      }
      if (this.#open === 0) {
        this.#open += 1;
        try {
          return await this.#fetchNonce(signal);
        } catch (err) {
          this.release();
          throw err;
        }
      }
      const handed = await this.#wait(signal);
      if (handed !== undefined) return handed;
    }
  }

  /**
   * Waits for a nonce from a response in flight; rejects with the signal's reason when it aborts first.
   *
   * The requests of one order share its signal, and up to 100 of them (one per authorization) can wait
   * here at once. So each signal gets one abort listener for all its waiters, added with the first and
   * removed with the last, never one per waiter (which Node reports as a listener leak beyond ten).
   */
  #wait(signal: AbortSignal | undefined): Promise<string | undefined> {
    signal?.throwIfAborted();
    return new Promise<string | undefined>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        deliver: (nonce) => {
          this.#forget(waiter);
          resolve(nonce);
        },
        abort: (reason) => {
          this.#waiters = this.#waiters.filter((other) => other !== waiter);
          reject(reason);
        },
      };
      this.#waiters.push(waiter);
      if (signal === undefined) return;
      const group = this.#bySignal.get(signal);
      if (group !== undefined) {
        group.waiters.add(waiter);
        return;
      }
      const waiters = new Set([waiter]);
      const onAbort = (): void => {
        this.#bySignal.delete(signal);
        for (const each of waiters) each.abort(signal.reason as Error);
      };
      this.#bySignal.set(signal, { waiters, onAbort });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Drops a waiter from its signal's group; the group's listener goes with its last waiter. */
  #forget(waiter: Waiter): void {
    const signal = waiter.signal;
    if (signal === undefined) return;
    const group = this.#bySignal.get(signal);
    if (group === undefined) return;
    group.waiters.delete(waiter);
    if (group.waiters.size > 0) return;
    this.#bySignal.delete(signal);
    signal.removeEventListener('abort', group.onAbort);
  }

  /** Gives a `Replay-Nonce` to the first waiter (moving a reservation to it) or keeps it in the pool. */
  offer(nonce: string | undefined): void {
    if (nonce === undefined || !NoncePool.isNonce(nonce)) return;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#pool.add(nonce);
      return;
    }
    this.#open += 1;
    waiter.deliver(nonce);
  }

  /** Ends a reservation. When none is left, waiters are woken to fetch a nonce themselves. */
  release(): void {
    this.#open -= 1;
    if (this.#open === 0) for (const waiter of this.#waiters.splice(0)) waiter.deliver(undefined);
  }

  /** Nonces in the pool (not counting reservations). */
  get pooled(): number {
    return this.#pool.size;
  }
}
