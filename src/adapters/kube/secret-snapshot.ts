import type { CertParse, SecretSnapshot } from '../../domain/types.js';
import { inspectCertificate, keyMatchesCertificate } from '../../x509/inspect-certificate.js';
import type { SecretObject } from './kube-types.js';

function decoded(secret: SecretObject, key: string): string | undefined {
  const value = secret.data?.[key];
  if (value === undefined || value === '') return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

function parseCertificate(secret: SecretObject): CertParse {
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

// Parsing a certificate and checking its key costs milliseconds; the periodic check looks at every Secret
// again, so the result is kept per object version (uid + resourceVersion identify the content exactly).
const PARSE_CACHE_LIMIT = 20_000;
const parsed = new Map<string, CertParse>();

function cachedParse(secret: SecretObject): CertParse {
  const uid = secret.metadata?.uid;
  const resourceVersion = secret.metadata?.resourceVersion;
  if (uid === undefined || resourceVersion === undefined) return parseCertificate(secret);
  const key = `${uid}|${resourceVersion}`;
  const hit = parsed.get(key);
  if (hit !== undefined) return hit;
  const result = parseCertificate(secret);
  if (parsed.size >= PARSE_CACHE_LIMIT) {
    const oldest = parsed.keys().next();
    if (oldest.done !== true) parsed.delete(oldest.value);
  }
  parsed.set(key, result);
  return result;
}

/** Reads a Secret into the core's snapshot; the private key is only used to check it matches, never copied. */
export function secretSnapshot(secret: SecretObject): SecretSnapshot {
  const meta = secret.metadata ?? {};
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    type: secret.type ?? 'Opaque',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    dataKeys: Object.keys(secret.data ?? {}),
    certificate: cachedParse(secret),
  };
}
