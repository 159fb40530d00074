import type { CertParse, SecretSnapshot } from '../../domain/types.js';
import { inspectCertificate, keyMatchesCertificate } from '../../x509/inspect-certificate.js';
import type { SecretObject } from './kube-types.js';

function decoded(secret: SecretObject, key: string): string | undefined {
  const value = secret.data?.[key];
  if (value === undefined || value === '') return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Parses `tls.crt` and checks that `tls.key` matches it; the key is read only for that, never kept. */
export function parseCertificate(secret: SecretObject): CertParse {
  const crt = decoded(secret, 'tls.crt');
  if (crt === undefined) return { state: 'missing' };
  let info;
  try {
    info = inspectCertificate(crt);
  } catch (err) {
    return { state: 'invalid', problem: err instanceof Error ? err.message : String(err) };
  }
  const key = decoded(secret, 'tls.key');
  let keyMatchesCert = false;
  if (key !== undefined) {
    try {
      keyMatchesCert = keyMatchesCertificate(key, crt);
    } catch {
      keyMatchesCert = false;
    }
  }
  return {
    state: 'parsed',
    info: {
      dnsNames: info.dnsNames.map((n) => n.toLowerCase()),
      ipAddresses: info.ipAddresses,
      notBeforeMs: info.notBeforeMs,
      notAfterMs: info.notAfterMs,
      issuerCn: info.issuerCn ?? '',
      selfSigned: info.selfSigned,
      keyMatchesCert,
    },
  };
}

/** Reads a Secret into the core's snapshot; the private key is only used to check it matches, never copied. */
export function secretSnapshot(
  secret: SecretObject,
  facts: (secret: SecretObject) => CertParse = parseCertificate,
): SecretSnapshot {
  const meta = secret.metadata ?? {};
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    type: secret.type ?? 'Opaque',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    dataKeys: Object.keys(secret.data ?? {}),
    certificate: facts(secret),
  };
}
