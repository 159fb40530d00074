import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';
/** Why the ACME account could not be made ready; never a reason to exit the process (kube-lego bug 6). */
export type AccountErrorCode =
  'accountSecretUnreadable' | 'accountSecretInvalid' | 'accountRegistrationFailed' | 'accountBackingOff';

/** A typed failure of the account adapter; the ACME or Kubernetes error is kept as `cause`. */
export class AccountError extends KubeLegoError {
  override readonly name = 'AccountError';
  readonly code: AccountErrorCode;
  /** When the next attempt may start (epoch ms), for `accountBackingOff` and registration failures. */
  readonly retryNotBeforeMs: number | undefined;

  /** Set when the CA was unavailable and the error that said so is gone (a wait read back after a restart). */
  readonly #unavailableFor: number | undefined;

  constructor(
    code: AccountErrorCode,
    message: string,
    options?: {
      readonly cause?: unknown;
      readonly retryNotBeforeMs?: number;
      /** The CA was unavailable: the certificate waits this long for it, with no failure counted. */
      readonly caUnavailableForMs?: number;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryNotBeforeMs = options?.retryNotBeforeMs;
    this.#unavailableFor = options?.caUnavailableForMs;
  }

  /**
   * The account is retried on its own schedule; the certificate backs off meanwhile. When the account
   * could not be set up because the CA was unavailable, the certificate waits for the CA the same way,
   * with no failure counted.
   */
  override get reaction(): Reaction {
    if (this.cause instanceof KubeLegoError && this.cause.reaction.reason === 'CaUnavailable') {
      return this.cause.reaction;
    }
    if (this.#unavailableFor !== undefined)
      return { kind: 'waitUntil', reason: 'CaUnavailable', retryAfterMs: Math.max(0, this.#unavailableFor) };
    return { kind: 'backOff', reason: 'AccountFailed' };
  }
}
