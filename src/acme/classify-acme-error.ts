import {
  AcmeOrderError,
  AcmeProblemError,
  AcmeTransportError,
  AcmeUsageError,
  type AcmeProblemCode,
} from './errors.js';

/**
 * How the controller reacts to an ACME failure: `terminal` (the input or configuration must change first),
 * `transient` (retry with backoff) or `rateLimited` (retry when the server said: `retryAfterMs` on the error).
 */
export type AcmeErrorClass = 'terminal' | 'transient' | 'rateLimited';

// Validation failures (connection, dns, incorrectResponse, unauthorized, caa, tls) are transient: they are
// usually DNS or an ingress that is not routed yet, and heal without a change to the Ingress. The backoff
// keeps them within Let's Encrypt's failed-validation limit.
const TRANSIENT_PROBLEMS: ReadonlySet<AcmeProblemCode> = new Set<AcmeProblemCode>([
  'badNonce',
  'serverInternal',
  'connection',
  'dns',
  'tls',
  'incorrectResponse',
  'unauthorized',
  'caa',
  'orderNotReady',
  'compound',
  // Another order for the same replacement is open: it finishes or expires on its own.
  'conflict',
]);

/**
 * Classifies any error thrown by the ACME client or `obtainCertificate`; errors from elsewhere are transient.
 *
 * @example if (classifyAcmeError(err) === 'rateLimited') queue.addAfter(key, err.retryAfterMs)
 */
export function classifyAcmeError(err: unknown): AcmeErrorClass {
  if (err instanceof AcmeProblemError) return classifyProblem(err);
  if (err instanceof AcmeTransportError) return classifyTransport(err);
  if (err instanceof AcmeUsageError) return 'terminal';
  if (err instanceof AcmeOrderError) return err.code === 'challengeUnavailable' ? 'terminal' : 'transient';
  return 'transient';
}

function classifyProblem(err: AcmeProblemError): AcmeErrorClass {
  if (err.code === 'rateLimited' || err.status === 429) return 'rateLimited';
  // Let's Encrypt's per-IP overall limits answer 503 with Retry-After and no rateLimited type.
  if (err.status === 503 && err.retryAfterMs !== undefined) return 'rateLimited';
  if (TRANSIENT_PROBLEMS.has(err.code)) return 'transient';
  if (err.code === 'unknown' && err.status >= 500) return 'transient';
  return 'terminal';
}

function classifyTransport(err: AcmeTransportError): AcmeErrorClass {
  if (err.code !== 'httpStatus') return 'transient';
  const status = err.status ?? 0;
  if (status === 429 || (status === 503 && err.retryAfterMs !== undefined)) return 'rateLimited';
  return status >= 500 || status === 408 ? 'transient' : 'terminal';
}

/** The server's `Retry-After` carried by an ACME error, in milliseconds; `undefined` when it sent none. */
export function acmeRetryAfterMs(err: unknown): number | undefined {
  if (err instanceof AcmeProblemError || err instanceof AcmeTransportError) return err.retryAfterMs;
  return undefined;
}
