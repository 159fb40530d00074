import { certificateReadiness } from '../domain/certificate-readiness.js';
import { observeSecret } from '../domain/observe-secret.js';
import type { ServedOutcome } from '../domain/served-outcome.js';
import type { DesiredCertificate, ObservedSecret, SecretSnapshot } from '../domain/types.js';
import type { CertificateReport, CertificateReports } from '../ports/metrics.js';
import type { DesiredCache } from './desired-index.js';

export interface CertificateReportOptions {
  readonly desired: DesiredCache;
  /**
   * The managed Secret of a key from the informer cache (no API request); the same object for the same
   * Secret version, so its classification is kept between scrapes.
   */
  readonly snapshot: (key: string) => SecretSnapshot | undefined;
  readonly directoryUrl: string;
  readonly profile: string | undefined;
  readonly annotationKey: string;
  readonly minimumValidityMs: number;
  /** The outcome of the last served-certificate check of a key; absent: the check is off. */
  readonly served?: (key: string) => ServedOutcome | undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/**
 * The managed certificates as the desired state (annotated Ingresses) and the Secret cache show them: a
 * certificate whose Ingress lost the annotation or was deleted is no longer desired and is not reported.
 */
export function certificateReports(options: CertificateReportOptions): CertificateReports {
  const configuredIssuer = hostOf(options.directoryUrl);
  // observeSecret() of an unchanged Secret for an unchanged desired certificate gives the same answer (the
  // managed Secrets the cache holds do not depend on the time): kept per Secret version.
  const observations = new WeakMap<SecretSnapshot, { want: DesiredCertificate; observed: ObservedSecret }>();
  const observe = (want: DesiredCertificate, nowMs: number): ObservedSecret => {
    const snapshot = options.snapshot(want.key);
    if (snapshot === undefined) return { state: 'absent' };
    const kept = observations.get(snapshot);
    if (kept?.want === want) return kept.observed;
    const { observed } = observeSecret(snapshot, want, nowMs, options.annotationKey);
    observations.set(snapshot, { want, observed });
    return observed;
  };
  return {
    *reports(nowMs: number): Iterable<CertificateReport> {
      for (const want of options.desired.peek().byKey.values()) {
        const observed = observe(want, nowMs);
        const status = certificateReadiness({
          want,
          observed,
          nowMs,
          minimumValidityMs: options.minimumValidityMs,
        });
        // A check's outcome is about the CA's certificate it checked: not shown over a temporary one.
        const served =
          observed.state === 'present' && !observed.cert.selfSigned ? options.served?.(want.key) : undefined;
        yield {
          namespace: want.namespace,
          secret: want.secretName,
          ingress: [...new Set(want.sources.map((source) => source.name))].sort().join(','),
          hosts: [...want.hosts].sort().join(','),
          issuer: status.directoryUrl === undefined ? configuredIssuer : hostOf(status.directoryUrl),
          profile: options.profile ?? '',
          status,
          ...(served === undefined ? {} : { served }),
        };
      }
    },
  };
}
