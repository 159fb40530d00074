import { inspect } from 'node:util';

const redacted = '[redacted]';

/**
 * A configuration value that must never reach a log, an error or a dump: every string conversion,
 * `JSON.stringify` and `util.inspect` yields `[redacted]`. Only `reveal()` returns the value.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one adapter that needs it (and for registering it with the logger's redaction). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return redacted;
  }

  toJSON(): string {
    return redacted;
  }

  [inspect.custom](): string {
    return redacted;
  }
}
