import type { ReadyCondition } from '../../domain/certificate-readiness.js';
import type { CertificateReport } from '../../ports/metrics.js';

/** One per-certificate gauge family: its name, help text and value (undefined: no series for that certificate). */
interface CertificateFamily {
  readonly name: string;
  readonly help: string;
  readonly value: (report: CertificateReport) => number | undefined;
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

const FAMILIES: readonly CertificateFamily[] = [
  {
    name: 'kube_lego_certificate_expiration_timestamp_seconds',
    help: 'notAfter of the certificate on the Secret (Unix seconds)',
    value: (r) => seconds(r.status.notAfterMs),
  },
  {
    name: 'kube_lego_certificate_not_before_timestamp_seconds',
    help: 'notBefore of the certificate on the Secret (Unix seconds)',
    value: (r) => seconds(r.status.notBeforeMs),
  },
  {
    name: 'kube_lego_certificate_renewal_timestamp_seconds',
    help: 'When kube-lego renews the certificate (Unix seconds)',
    value: (r) => seconds(r.status.renewAtMs),
  },
  {
    name: 'kube_lego_certificate_ari_window_start_timestamp_seconds',
    help: "Start of the CA's suggested renewal window (ARI, RFC 9773), when the CA offers one",
    value: (r) => seconds(r.status.ariWindow?.startMs),
  },
  {
    name: 'kube_lego_certificate_ari_window_end_timestamp_seconds',
    help: "End of the CA's suggested renewal window (ARI, RFC 9773), when the CA offers one",
    value: (r) => seconds(r.status.ariWindow?.endMs),
  },
  {
    name: 'kube_lego_certificate_failures',
    help: 'Consecutive failed issuance attempts',
    value: (r) => r.status.failures,
  },
  {
    name: 'kube_lego_certificate_retry_not_before_timestamp_seconds',
    help: 'No attempt before this time after a failure (Unix seconds)',
    value: (r) => seconds(r.status.retryNotBeforeMs),
  },
  {
    name: 'kube_lego_certificate_temporary',
    help: "1 while the Secret holds a self-signed placeholder (kube-lego's temporary certificate or your own) until the CA's certificate replaces it, else 0",
    value: (r) => (r.status.temporary === true ? 1 : 0),
  },
  {
    // No series while nothing was checked, a check runs, or there is no address to check: absent, not 0,
    // so `== 0` alerts only on a load balancer that kept serving another certificate to the time limit.
    name: 'kube_lego_certificate_served',
    help: "1 when the last served-certificate check saw the load balancer serve the Secret's certificate, 0 when it still served another at LEGO_SERVED_CHECK_TIMEOUT",
    value: (r) => (r.served?.kind === 'served' ? 1 : r.served?.kind === 'notServed' ? 0 : undefined),
  },
  {
    name: 'kube_lego_certificate_served_seconds',
    help: 'How long after it was stored the load balancer served the certificate, at the last served-certificate check',
    value: (r) => (r.served?.kind === 'served' ? seconds(r.served.elapsedMs) : undefined),
  },
];

const READY_FAMILY = 'kube_lego_certificate_ready_status';
const RATE_LIMITED = 'kube_lego_rate_limited';
const READY_CONDITIONS: readonly ReadyCondition[] = ['True', 'False', 'Unknown'];

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
function escaped(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

function labelText(report: CertificateReport): string {
  return (
    `namespace="${escaped(report.namespace)}",secret="${escaped(report.secret)}",ingress="${escaped(report.ingress)}",` +
    `hosts="${escaped(report.hosts)}",issuer="${escaped(report.issuer)}",profile="${escaped(report.profile)}"`
  );
}

/** The names of the per-certificate gauges, for documentation and tests. */
export const CERTIFICATE_METRIC_NAMES: readonly string[] = [...FAMILIES.map((f) => f.name), READY_FAMILY];

/** Certificates per chunk of certificateExpositionChunks(): small strings the young generation collects. */
const CHUNK_CERTIFICATES = 500;

/**
 * The per-certificate gauges (and `kube_lego_rate_limited`, derived from them) in the Prometheus text format
 * (0.0.4), in chunks of a few hundred certificates so a scrape of 10,000 never holds the whole ~12 MiB text.
 * Written directly rather than through prom-client's labelled gauges: at 10,000 certificates and eight
 * families, hashing 80,000 label sets per scrape cost seconds and hundreds of MiB; this costs one label
 * string per certificate.
 */
export function* certificateExpositionChunks(reports: readonly CertificateReport[]): Generator<string> {
  const labels = reports.map(labelText);
  for (const family of FAMILIES) {
    let text = `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n`;
    for (let index = 0; index < reports.length; index += 1) {
      const report = reports[index];
      const value = report === undefined ? undefined : family.value(report);
      if (value !== undefined) text += `${family.name}{${labels[index] ?? ''}} ${value}\n`;
      if ((index + 1) % CHUNK_CERTIFICATES === 0) {
        yield text;
        text = '';
      }
    }
    yield text;
  }
  let text = `# HELP ${READY_FAMILY} The certificate's Ready condition: 1 for the current condition, 0 for the others\n`;
  text += `# TYPE ${READY_FAMILY} gauge\n`;
  for (let index = 0; index < reports.length; index += 1) {
    const ready = reports[index]?.status.ready;
    const prefix = `${READY_FAMILY}{${labels[index] ?? ''},condition="`;
    for (const condition of READY_CONDITIONS)
      text += `${prefix}${condition}"} ${ready === condition ? 1 : 0}\n`;
    if ((index + 1) % CHUNK_CERTIFICATES === 0) {
      yield text;
      text = '';
    }
  }
  // Process-wide, but read from the same reports: 1 while any certificate waits out a rateLimited answer.
  text += `# HELP ${RATE_LIMITED} 1 while a certificate waits out a rateLimited answer of the CA (its Retry-After), else 0\n`;
  text += `# TYPE ${RATE_LIMITED} gauge\n${RATE_LIMITED} ${reports.some((r) => r.status.rateLimited) ? 1 : 0}\n`;
  yield text;
}

/** certificateExpositionChunks() as one text. */
export function certificateExposition(reports: readonly CertificateReport[]): string {
  return [...certificateExpositionChunks(reports)].join('');
}
