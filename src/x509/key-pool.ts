import type { KeyObject } from 'node:crypto';
import { generateKey, type KeySpec } from './private-key.js';

/**
 * Certificate keys made ahead of time, so an issuance does not wait for one. RSA 2048 takes 50-400 ms of a
 * libuv worker thread (node:crypto's asynchronous generateKeyPair never blocks the event loop, but the
 * issuance waits for it); with a pool the wait happens between issuances instead. Every key is handed out
 * once and never reused (kube-lego's fresh key per certificate). The pool starts filling at the first
 * take(), not at start-up, so a controller that issues nothing spends nothing on keys.
 */
export class KeyPool {
  readonly #spec: KeySpec;
  readonly #size: number;
  readonly #ready: Promise<KeyObject>[] = [];

  /** `size` keys are kept ready (or being made); 0 makes every key on demand. */
  constructor(spec: KeySpec, size: number) {
    this.#spec = spec;
    this.#size = size;
  }

  /** The pool kube-lego uses for a key type: two keys ahead for RSA, none for ECDSA (about 0.1 ms each). */
  static forSpec(spec: KeySpec): KeyPool {
    return new KeyPool(spec, spec.type === 'rsa' ? 2 : 0);
  }

  /** A key never handed out before: one made ahead when there is one, else one made now. Refills behind. */
  take(): Promise<KeyObject> {
    const key = this.#ready.shift() ?? generateKey(this.#spec);
    while (this.#ready.length < this.#size) {
      const next = generateKey(this.#spec);
      // A failure surfaces at the take() that gets this key; until then it must not be unhandled.
      next.catch(() => undefined);
      this.#ready.push(next);
    }
    return key;
  }

  /** Keys made ahead (ready or still being made). */
  get ahead(): number {
    return this.#ready.length;
  }
}
