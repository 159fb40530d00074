import {
  AcmeOrderError,
  AcmeProblemError,
  AcmeTransportError,
  AcmeUsageError,
  type AcmeErrorClass,
} from './errors.js';

/**
 * Classifies any error thrown by the ACME client or `obtainCertificate`; errors from elsewhere are transient.
 *
 * @example if (classifyAcmeError(err) === 'rateLimited') queue.addAfter(key, err.retryAfterMs)
 */
export function classifyAcmeError(err: unknown): AcmeErrorClass {
  if (
    err instanceof AcmeProblemError ||
    err instanceof AcmeTransportError ||
    err instanceof AcmeUsageError ||
    err instanceof AcmeOrderError
  )
    return err.errorClass;
  return 'transient';
}

/** The server's `Retry-After` carried by an ACME error, in milliseconds; `undefined` when it sent none. */
export function acmeRetryAfterMs(err: unknown): number | undefined {
  if (err instanceof AcmeProblemError || err instanceof AcmeTransportError) return err.retryAfterMs;
  return undefined;
}
