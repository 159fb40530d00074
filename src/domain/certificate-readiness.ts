import { coversHosts } from './observe-secret.js';
import { lifetimeRenewalTime } from './renewal.js';
import { toWholeSecondsMs } from './secret-annotations.js';
import { holdsPlaceholder } from './temporary-certificate-state.js';
import type { DesiredCertificate, IssuanceRecord, ObservedSecret, RenewalWindow } from './types.js';

/** cert-manager's Ready condition values. */
export type ReadyCondition = 'True' | 'False' | 'Unknown';

/** What a managed certificate looks like now, as metrics and status views report it. Times in ms. */
export interface CertificateReadiness {
  readonly ready: ReadyCondition;
  /** Validity of the CA's certificate on the Secret; absent while there is none (nothing, or a temporary one). */
  readonly notBeforeMs?: number;
  readonly notAfterMs?: number;
  /** When kube-lego renews that certificate: the persisted choice, else the lifetime rule. */
  readonly renewAtMs?: number;
  readonly ariWindow?: RenewalWindow;
  /** Consecutive failed attempts. */
  readonly failures: number;
  readonly retryNotBeforeMs?: number;
  /** A `rateLimited` answer of the CA is being waited out. */
  readonly rateLimited: boolean;
  /** The directory that issued the certificate, when recorded. */
  readonly directoryUrl?: string;
  /** The Secret holds a self-signed placeholder (kube-lego's temporary certificate or the user's own). */
  readonly temporary?: true;
}

function recordOf(observed: ObservedSecret): IssuanceRecord | undefined {
  return observed.state === 'present' || observed.state === 'unparseable' ? observed.record : undefined;
}

/**
 * The status of one desired certificate from its observed Secret. Ready is True while the Secret holds a
 * CA-issued certificate for the desired hosts that has not expired; Unknown while there is none yet and no
 * attempt has failed (the first issuance is under way); False otherwise (a failed first issuance, an
 * expired certificate, hosts that changed, a Secret kube-lego may not touch).
 */
export function certificateReadiness(options: {
  readonly want: DesiredCertificate;
  readonly observed: ObservedSecret;
  readonly nowMs: number;
  readonly minimumValidityMs: number;
}): CertificateReadiness {
  const { want, observed, nowMs } = options;
  const record = recordOf(observed);
  const failures = record?.failures ?? 0;
  const retryNotBeforeMs = record?.retryNotBeforeMs;
  const waiting = retryNotBeforeMs !== undefined && retryNotBeforeMs > nowMs;
  const common = {
    failures,
    rateLimited: waiting && record?.lastFailureReason === 'RateLimited',
    ...(retryNotBeforeMs === undefined ? {} : { retryNotBeforeMs }),
    ...(record?.ariWindow === undefined ? {} : { ariWindow: record.ariWindow }),
    ...(record?.directoryUrl === undefined ? {} : { directoryUrl: record.directoryUrl }),
  };
  if (observed.state === 'foreign') return { ready: 'False', ...common };
  if (observed.state !== 'present' || observed.cert.selfSigned) {
    return {
      ready: failures > 0 ? 'False' : 'Unknown',
      ...common,
      ...(holdsPlaceholder(observed) ? { temporary: true } : {}),
    };
  }
  const cert = observed.cert;
  const sameCertificate = observed.record.notAfterMs === toWholeSecondsMs(cert.notAfterMs);
  const renewAtMs =
    sameCertificate && observed.record.renewAtMs !== undefined
      ? observed.record.renewAtMs
      : lifetimeRenewalTime(cert, options.minimumValidityMs).renewAtMs;
  const valid = cert.notAfterMs > nowMs && coversHosts(cert, want.hosts);
  return {
    ready: valid ? 'True' : 'False',
    notBeforeMs: cert.notBeforeMs,
    notAfterMs: cert.notAfterMs,
    renewAtMs,
    ...common,
  };
}
