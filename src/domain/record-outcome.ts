import { caUnavailableDelayMs, retryNotBeforeMs } from './backoff.js';
import { lifetimeRenewalTime, type Validity } from './renewal.js';
import { ANNOTATIONS, parseTime, toWholeSecondsMs } from './secret-annotations.js';
import type { FailureReason, IssuanceRecord, RenewalWindow } from './types.js';

// Pure transitions of the persisted issuance record. The executor applies them and writes the result
// with managedSecretAnnotations(). When the Secret is absent (or an adoptable placeholder) and an
// attempt fails, the executor still writes the failed record, on a labelled Secret with empty
// tls.crt/tls.key (or on the placeholder), so the backoff survives a restart: the next observation is
// then "ours, unparseable" (or "ours, present") with this record, and decide() honours it.

/** A failed attempt, classified by the ACME adapter. */
export interface FailedAttempt {
  readonly reason: FailureReason;
  readonly hosts: readonly string[];
  readonly nowMs: number;
  /** Retry-After of a rateLimited problem. */
  readonly retryAfterMs?: number;
  /** The certificate still in the Secret, if any (its expiry clamps the backoff). */
  readonly current?: Validity;
  /** An order that is still usable and should be resumed (a timeout mid-order); unset clears it. */
  readonly orderUrl?: string;
}

/** The wait for an unavailable CA: its Retry-After, or double the previous wait of the same outage (capped). */
function caUnavailableWaitMs(record: IssuanceRecord, attempt: FailedAttempt): number {
  if (attempt.retryAfterMs !== undefined) return attempt.retryAfterMs;
  const previous =
    record.lastFailureReason === 'CaUnavailable' &&
    record.lastFailureMs !== undefined &&
    record.retryNotBeforeMs !== undefined
      ? record.retryNotBeforeMs - record.lastFailureMs
      : undefined;
  return caUnavailableDelayMs(previous);
}

/**
 * Records a failure: counts it (rate limits are not counted, nor is an unavailable CA), and sets when
 * the next attempt may start.
 */
export function recordFailure(record: IssuanceRecord, attempt: FailedAttempt): IssuanceRecord {
  const rateLimited = attempt.reason === 'RateLimited';
  const unavailable = attempt.reason === 'CaUnavailable';
  const failures = unavailable
    ? record.failures
    : rateLimited
      ? Math.max(record.failures, 1)
      : record.failures + 1;
  const retryAfterMs = unavailable
    ? caUnavailableWaitMs(record, attempt)
    : rateLimited
      ? attempt.retryAfterMs
      : undefined;
  const retryAt = retryNotBeforeMs({
    nowMs: attempt.nowMs,
    failures,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(attempt.current ? { current: attempt.current } : {}),
  });
  const { orderUrl: _dropped, renewRequestedMs: _served, ...rest } = record;
  return {
    ...rest,
    hosts: attempt.hosts,
    failures,
    lastFailureMs: toWholeSecondsMs(attempt.nowMs),
    lastFailureReason: attempt.reason,
    retryNotBeforeMs: retryAt,
    ...(attempt.orderUrl === undefined ? {} : { orderUrl: attempt.orderUrl }),
  };
}

/** Records that an order was opened, so a restart resumes it instead of opening another one. */
export function recordOrderOpened(
  record: IssuanceRecord,
  orderUrl: string,
  hosts: readonly string[],
): IssuanceRecord {
  return { ...record, orderUrl, hosts };
}

/** What is known once a certificate is stored. */
export interface IssuedCertificate {
  readonly hosts: readonly string[];
  readonly directoryUrl: string;
  /** The ACME profile it was ordered with; absent: none named. */
  readonly profile?: string;
  /** The account that ordered it. */
  readonly accountUrl?: string;
  /** Its ARI CertID, when it has one (an Authority Key Identifier). */
  readonly certId?: string;
  readonly validity: Validity;
  readonly ingresses: readonly string[];
  readonly minimumValidityMs: number;
}

/** Records a successful issuance: failure state and order cleared, renewal time chosen. */
export function recordIssued(issued: IssuedCertificate): IssuanceRecord {
  const { renewAtMs } = lifetimeRenewalTime(issued.validity, issued.minimumValidityMs);
  return {
    hosts: issued.hosts,
    directoryUrl: issued.directoryUrl,
    ...(issued.profile === undefined ? {} : { profile: issued.profile }),
    ...(issued.accountUrl === undefined ? {} : { accountUrl: issued.accountUrl }),
    ...(issued.certId === undefined ? {} : { certId: issued.certId }),
    notAfterMs: toWholeSecondsMs(issued.validity.notAfterMs),
    renewAtMs,
    failures: 0,
    ingresses: issued.ingresses,
  };
}

/** Records the ARI window last fetched for the current certificate; decide() then picks a time inside it. */
export function recordAriWindow(
  record: IssuanceRecord,
  window: (RenewalWindow & { readonly explanationUrl?: string }) | undefined,
): IssuanceRecord {
  const { ariWindow: _old, ariExplanationUrl: _oldUrl, ...rest } = record;
  if (window === undefined) return rest;
  return {
    ...rest,
    ariWindow: { startMs: toWholeSecondsMs(window.startMs), endMs: toWholeSecondsMs(window.endMs) },
    ...(window.explanationUrl === undefined ? {} : { ariExplanationUrl: window.explanationUrl }),
  };
}

/** Applies a renewal schedule that decide() asked to persist. */
export function recordRenewalTime(
  record: IssuanceRecord,
  notAfterMs: number,
  renewAtMs: number,
): IssuanceRecord {
  return { ...record, notAfterMs, renewAtMs };
}

/**
 * A renewal request (`kube-lego/renew-requested`) is the user's: only the order that serves it removes it.
 * Every other write carries the request the Secret holds now, so a record computed from an older read never
 * drops one made meanwhile.
 */
export function keepRenewRequest(
  record: IssuanceRecord,
  currentAnnotations: Readonly<Record<string, string>>,
): IssuanceRecord {
  if (record.renewRequestedMs !== undefined) return record;
  const value = currentAnnotations[ANNOTATIONS.renewRequested];
  const requestedMs = value === undefined ? undefined : parseTime(value);
  return requestedMs === undefined ? record : { ...record, renewRequestedMs: requestedMs };
}
