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

  constructor(
    code: AccountErrorCode,
    message: string,
    options?: { readonly cause?: unknown; readonly retryNotBeforeMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryNotBeforeMs = options?.retryNotBeforeMs;
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
    return { kind: 'backOff', reason: 'AccountFailed' };
  }
}
