import { NoncePool } from './nonce-pool.js';

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
  #waiters: ((nonce: string | undefined) => void)[] = [];

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
      const handed = await new Promise<string | undefined>((resolve) => {
        this.#waiters.push(resolve);
      });
      if (handed !== undefined) return handed;
    }
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
    waiter(nonce);
  }

  /** Ends a reservation. When none is left, waiters are woken to fetch a nonce themselves. */
  release(): void {
    this.#open -= 1;
    if (this.#open === 0) for (const wake of this.#waiters.splice(0)) wake(undefined);
  }

  /** Nonces in the pool (not counting reservations). */
  get pooled(): number {
    return this.#pool.size;
  }
}
