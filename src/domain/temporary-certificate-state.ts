import type { CertInfo, ObservedSecret } from './types.js';

// The temporary self-signed certificate kube-lego writes into an absent TLS Secret: how it is marked, and
// when it is made again because issuance is taking longer than its life. Pure.

/** Annotation on a managed Secret whose `tls.crt`/`tls.key` are kube-lego's temporary pair. */
export const TEMPORARY_CERTIFICATE_ANNOTATION = 'kube-lego/temporary-certificate';

/** How long a temporary certificate is valid; the CA's certificate normally replaces it within seconds. */
export const TEMPORARY_VALIDITY_MS = 7 * 24 * 3_600_000;

/**
 * Whether the Secret's pair is kube-lego's temporary one: marked by the annotation and self-signed. A
 * certificate from a CA never is, so a real certificate is never replaced by a temporary one, even when a
 * user copies the annotation.
 */
export function holdsTemporaryCertificate(
  annotations: Readonly<Record<string, string>>,
  cert: Pick<CertInfo, 'selfSigned'> | undefined,
): boolean {
  return annotations[TEMPORARY_CERTIFICATE_ANNOTATION] === 'true' && cert?.selfSigned === true;
}

/**
 * When a temporary certificate is made again while issuance keeps failing: once two thirds of its
 * lifetime have passed, so the ingress controller never serves an expired one.
 */
export function temporaryRenewAtMs(cert: Pick<CertInfo, 'notBeforeMs' | 'notAfterMs'>): number {
  return cert.notBeforeMs + Math.floor(((cert.notAfterMs - cert.notBeforeMs) * 2) / 3);
}

/**
 * Whether the Secret holds a self-signed placeholder until the CA's certificate arrives: kube-lego's
 * temporary certificate, or the user's own (the openssl pair made by hand before kube-lego ran, which
 * kube-lego adopts). Status and metrics show both as `Temporary`.
 */
export function holdsPlaceholder(observed: ObservedSecret): boolean {
  switch (observed.state) {
    case 'present':
      return observed.cert.selfSigned;
    case 'adoptable':
      return observed.why === 'SelfSigned';
    case 'absent':
    case 'unparseable':
    case 'foreign':
      return false;
  }
}
