import { isManagedSecret, parseIssuanceRecord, type AnnotationProblem } from './secret-annotations.js';
import type { CertInfo, DesiredCertificate, ObservedSecret, SecretSnapshot } from './types.js';

/** The only Secret type kube-lego writes; `type` is immutable, so no other type can ever be updated. */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** Data keys a placeholder may hold and still be adopted (what `kubectl create secret tls` and openssl produce). */
const PLACEHOLDER_KEYS: readonly string[] = ['tls.crt', 'tls.key', 'ca.crt'];

/** The classification plus any annotation values that could not be read. */
export interface Observation {
  readonly observed: ObservedSecret;
  readonly problems: readonly AnnotationProblem[];
}

/** True when the certificate names every host (exact, case-insensitive match; no wildcard expansion). */
export function coversHosts(cert: CertInfo, hosts: readonly string[]): boolean {
  const names = new Set([...cert.dnsNames, ...cert.ipAddresses].map((n) => n.toLowerCase()));
  return hosts.every((host) => names.has(host));
}

function foreign(
  reason: 'WrongType' | 'ExtraDataKeys' | 'ValidForeignCertificate',
  message: string,
): Observation {
  return { observed: { state: 'foreign', reason, message }, problems: [] };
}

function classifyOurs(secret: SecretSnapshot): Observation {
  const { record, problems } = parseIssuanceRecord(secret.annotations);
  const cert = secret.certificate;
  switch (cert.state) {
    case 'missing':
      return { observed: { state: 'unparseable', problem: 'tls.crt is missing or empty', record }, problems };
    case 'invalid':
      return { observed: { state: 'unparseable', problem: cert.problem, record }, problems };
    case 'parsed':
      return { observed: { state: 'present', cert: cert.info, record }, problems };
  }
}

function classifyOthers(secret: SecretSnapshot, want: DesiredCertificate, nowMs: number): Observation {
  const key = `${secret.namespace}/${secret.name}`;
  const extra = secret.dataKeys.filter((k) => !PLACEHOLDER_KEYS.includes(k));
  if (extra.length > 0) {
    return foreign(
      'ExtraDataKeys',
      `Cannot store certificate in secret "${key}": it holds data keys ${extra.map((k) => `"${k}"`).join(', ')} that kube-lego would lose; delete the secret or use another secretName`,
    );
  }
  const cert = secret.certificate;
  if (cert.state !== 'parsed') return { observed: { state: 'adoptable', why: 'Unparseable' }, problems: [] };
  const info = cert.info;
  if (info.selfSigned)
    return { observed: { state: 'adoptable', why: 'SelfSigned', cert: info }, problems: [] };
  if (info.notAfterMs <= nowMs)
    return { observed: { state: 'adoptable', why: 'Expired', cert: info }, problems: [] };
  if (!coversHosts(info, want.hosts)) {
    return { observed: { state: 'adoptable', why: 'NotCoveringHosts', cert: info }, problems: [] };
  }
  return foreign(
    'ValidForeignCertificate',
    `Cannot manage secret "${key}": it holds a valid certificate for ${want.hosts.join(', ')} issued by "${info.issuerCn}" that kube-lego did not issue; delete the secret or label it kube-lego/managed=true to let kube-lego replace it`,
  );
}

/**
 * Classifies the Secret a desired certificate should be stored in. A Secret is ours when it carries
 * our label or kube-lego's legacy `<annotationKey>: "true"` annotation. Otherwise it is only replaced
 * when it is a placeholder (type `kubernetes.io/tls`, no data keys beyond `tls.crt`, `tls.key`, `ca.crt`,
 * and a certificate that is self-signed, expired, unreadable or not covering the hosts); anything else is
 * foreign and never touched.
 */
export function observeSecret(
  secret: SecretSnapshot | undefined,
  want: DesiredCertificate,
  nowMs: number,
  legacyAnnotationKey: string,
): Observation {
  if (secret === undefined) return { observed: { state: 'absent' }, problems: [] };
  if (secret.type !== TLS_SECRET_TYPE) {
    return foreign(
      'WrongType',
      `Cannot store certificate in secret "${secret.namespace}/${secret.name}": it has type "${secret.type}" and kube-lego writes ${TLS_SECRET_TYPE}; delete the secret or use another secretName`,
    );
  }
  if (isManagedSecret(secret.labels, secret.annotations, legacyAnnotationKey)) return classifyOurs(secret);
  return classifyOthers(secret, want, nowMs);
}
