/** A counting semaphore: bounds how many ACME orders run at once (`LEGO_MAX_CONCURRENT_ORDERS`). */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Resolves once a slot is free; the caller must call `release()` exactly once afterwards. */
  acquire(): Promise<void> {
    if (this.#active < this.#limit) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#waiting.push(() => {
        this.#active += 1;
        resolve();
      });
    });
  }

  release(): void {
    this.#active = Math.max(0, this.#active - 1);
    const next = this.#waiting.shift();
    next?.();
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }
}
