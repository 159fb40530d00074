import { classifyAcmeError } from '../acme/classify-acme-error.js';
import {
  AcmeOrderError,
  AcmeOrderRefusedError,
  AcmeProblemError,
  AcmeTransportError,
} from '../acme/errors.js';
import { AccountError } from '../adapters/acme/account-errors.js';
import { SelfCheckError } from '../adapters/http01/self-check.js';
import { KubeApiError } from '../adapters/kube/kube-errors.js';
import type { FailureReason } from '../domain/types.js';

/** A failed issuance, classified once for the persisted record, the Event and the log line. */
export interface ClassifiedFailure {
  readonly reason: FailureReason;
  readonly retryAfterMs?: number;
}

const VALIDATION_PROBLEMS = new Set([
  'connection',
  'dns',
  'incorrectResponse',
  'unauthorized',
  'caa',
  'tls',
  'compound',
]);

/** Maps an error from the issuance path to the persisted failure reason (never by message text). */
export function classifyFailure(err: unknown, timedOut: boolean): ClassifiedFailure {
  if (timedOut) return { reason: 'Timeout' };
  if (err instanceof AccountError) return { reason: 'AccountFailed' };
  if (err instanceof SelfCheckError) return { reason: 'SelfCheckFailed' };
  if (err instanceof KubeApiError) return { reason: 'SecretWriteFailed' };
  if (err instanceof AcmeProblemError || err instanceof AcmeTransportError) {
    if (classifyAcmeError(err) === 'rateLimited') {
      return {
        reason: 'RateLimited',
        ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      };
    }
    if (err instanceof AcmeOrderRefusedError) return { reason: 'OrderRefused' };
    if (err instanceof AcmeProblemError && VALIDATION_PROBLEMS.has(err.code))
      return { reason: 'ChallengeFailed' };
    return { reason: 'OrderFailed' };
  }
  if (err instanceof AcmeOrderError)
    return { reason: err.code === 'orderInvalid' ? 'ChallengeFailed' : 'OrderFailed' };
  return { reason: 'Unknown' };
}
