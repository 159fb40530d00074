import type { CertificateReadiness } from '../domain/certificate-readiness.js';
import type { ServedOutcome } from '../domain/served-outcome.js';
import type { FailureReason } from '../domain/types.js';

/** How an issuance attempt ended: the certificate was stored, or the failure reason recorded on the Secret. */
export type OrderResult = 'issued' | FailureReason;

/** What the reconciler reports as it works (Prometheus counters in production). */
export interface IssuanceMetrics {
  /** One issuance attempt ended (not counted: attempts stopped by shutdown, which the next process resumes). */
  orderFinished(result: OrderResult): void;
}

/** One managed certificate with the labels the metrics name it by. */
export interface CertificateReport {
  readonly namespace: string;
  readonly secret: string;
  /** Names of the Ingresses asking for it (same namespace), sorted, comma-joined. */
  readonly ingress: string;
  /** Desired hosts, sorted, comma-joined. */
  readonly hosts: string;
  /** Host of the ACME directory. */
  readonly issuer: string;
  /** The ACME profile requested; empty for the CA's default. */
  readonly profile: string;
  readonly status: CertificateReadiness;
  /** The last served-certificate check of the CA's certificate on the Secret; absent when none ran. */
  readonly served?: ServedOutcome;
}

/** Every certificate kube-lego manages now, read from the caches when asked (a scrape), never pushed. */
export interface CertificateReports {
  reports(nowMs: number): Iterable<CertificateReport>;
}
