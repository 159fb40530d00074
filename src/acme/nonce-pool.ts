/**
 * Replay nonces the server handed out and we have not spent yet (RFC 8555 §7.2).
 *
 * Every response carries a fresh `Replay-Nonce`; keeping them all means `newNonce` is only needed when the
 * pool is empty (at start and after concurrent bursts). The newest nonce is used first: it is the least
 * likely to have expired on the server. The pool is bounded so a long-lived client never grows it without limit.
 */
export class NoncePool {
  readonly #nonces: string[] = [];
  readonly #capacity: number;

  /** @param capacity how many nonces to keep at most; the oldest are dropped first. @default 32 */
  constructor(capacity = 32) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Whether a `Replay-Nonce` value is well-formed: non-empty base64url (RFC 8555 §6.5.1). */
  static isNonce(value: string): boolean {
    return /^[A-Za-z0-9_-]+$/.test(value);
  }

  /** Adds a nonce from a `Replay-Nonce` header; ignores values that are not base64url. */
  add(nonce: string | undefined): void {
    if (nonce === undefined || !NoncePool.isNonce(nonce)) return;
    this.#nonces.push(nonce);
    if (this.#nonces.length > this.#capacity) this.#nonces.shift();
  }

  /** Takes the newest unspent nonce, or `undefined` when the pool is empty. */
  take(): string | undefined {
    return this.#nonces.pop();
  }

  /** Number of nonces held. */
  get size(): number {
    return this.#nonces.length;
  }
}
