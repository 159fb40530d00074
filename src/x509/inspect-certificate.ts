// Node's own X.509 parser only: the controller inspects every managed Secret on its first pass, and
// @peculiar/x509 costs ~11 ms a certificate against ~0.5 ms here (10,000 Secrets: ~110 s against ~5 s).
import { X509Certificate as NodeCertificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { splitPemBundle } from './pem-bundle.js';
import { X509InputError } from './x509-input-error.js';

/** The key type of a certificate. */
export type CertificateKeyType =
  | { readonly type: 'rsa'; readonly bits: number }
  | {
      readonly type: 'ecdsa';
      /** `P-256`, `P-384`, `P-521`, or OpenSSL's name for other curves. */ readonly curve: string;
    }
  | { readonly type: 'other'; readonly name: string };

/** What the controller needs to know about a certificate, as plain data. */
export interface CertificateInfo {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** `notAfterMs - notBeforeMs`. */
  readonly lifetimeMs: number;
  readonly issuerCn: string | undefined;
  readonly subjectCn: string | undefined;
  /** Lowercase hex, as the certificate encodes it (minimal, no sign byte). */
  readonly serialHex: string;
  readonly keyType: CertificateKeyType;
  readonly selfSigned: boolean;
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/**
 * Inspects the first certificate of a PEM (a `tls.crt` bundle is fine). Pure: parsing only, no clock, no I/O.
 *
 * @throws X509InputError `certificateUnparseable`
 * @example inspectCertificate(secret.data['tls.crt']).notAfterMs
 */
export function inspectCertificate(pem: string): CertificateInfo {
  const cert = parseFirst(pem);
  const names = subjectAltNames(cert.subjectAltName);
  const notBeforeMs = Date.parse(cert.validFrom);
  const notAfterMs = Date.parse(cert.validTo);
  return {
    dnsNames: names.filter((name) => name.type === 'DNS').map((name) => name.value),
    ipAddresses: names.filter((name) => name.type === 'IP Address').map((name) => normalizeIp(name.value)),
    notBeforeMs,
    notAfterMs,
    lifetimeMs: notAfterMs - notBeforeMs,
    issuerCn: commonName(cert.issuer),
    subjectCn: commonName(cert.subject),
    serialHex: cert.serialNumber.toLowerCase(),
    keyType: keyTypeOf(cert.publicKey),
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
  };
}

interface AltName {
  readonly type: string;
  readonly value: string;
}

// Node prints SANs as `DNS:a.example, IP Address:192.0.2.1`; a value with special characters is a JSON
// string (Node quotes them so that a crafted name cannot smuggle in a second entry).
const ALT_NAME = /(DNS|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;

function subjectAltNames(text: string | undefined): AltName[] {
  if (text === undefined) return [];
  const names: AltName[] = [];
  ALT_NAME.lastIndex = 0;
  for (let match = ALT_NAME.exec(text); match !== null && match[0] !== ''; match = ALT_NAME.exec(text)) {
    const raw = match[2] ?? '';
    names.push({ type: match[1] ?? '', value: raw.startsWith('"') ? String(JSON.parse(raw)) : raw });
  }
  return names;
}

// Node prints IPv6 SANs fully expanded in upper case; the canonical text form is compressed lower case.
function normalizeIp(ip: string): string {
  return ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

// Node gives no string at all for an empty name (Pebble's IP-address certificates have an empty subject).
function commonName(distinguishedName: string | undefined): string | undefined {
  const line = (distinguishedName ?? '').split('\n').find((part) => part.startsWith('CN='));
  return line?.slice('CN='.length);
}

/**
 * Whether `keyPem` is the private key of the (first) certificate in `certPem`.
 *
 * @throws X509InputError `keyUnparseable` or `certificateUnparseable`
 */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const node = parseFirst(certPem);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch {
    throw new X509InputError(
      'keyUnparseable',
      'Cannot compare the key with the certificate: the key is not a PEM private key',
    );
  }
  return node.checkPrivateKey(key);
}

/**
 * Whether a chain is in order: each certificate is issued (name and signature) by the one after it.
 * Accepts a list of PEMs or a single bundle. A single certificate is trivially in order.
 *
 * @throws X509InputError `certificateUnparseable` when an entry is not a certificate or the list is empty
 */
export function chainInOrder(pems: readonly string[] | string): boolean {
  const list = typeof pems === 'string' ? splitPemBundle(pems) : pems.flatMap(splitPemBundle);
  if (list.length === 0)
    throw new X509InputError(
      'certificateUnparseable',
      'Cannot check the chain order: no certificate in the input',
    );
  const certs = list.map((pem) => parseFirst(pem));
  return certs.every((cert, i) => {
    const issuer = certs[i + 1];
    return issuer === undefined || (cert.checkIssued(issuer) && cert.verify(issuer.publicKey));
  });
}

function parseFirst(pem: string): NodeCertificate {
  const first = splitPemBundle(pem)[0];
  if (first === undefined) {
    throw new X509InputError(
      'certificateUnparseable',
      'Cannot inspect the certificate: the input holds no PEM certificate',
    );
  }
  try {
    return new NodeCertificate(first);
  } catch (err) {
    throw new X509InputError(
      'certificateUnparseable',
      'Cannot inspect the certificate: the PEM certificate does not parse',
      {
        cause: err,
      },
    );
  }
}

function keyTypeOf(key: KeyObject): CertificateKeyType {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: details?.modulusLength ?? 0 };
  if (key.asymmetricKeyType === 'ec') {
    const curve = details?.namedCurve ?? 'unknown';
    return { type: 'ecdsa', curve: CURVES[curve] ?? curve };
  }
  return { type: 'other', name: key.asymmetricKeyType ?? 'unknown' };
}
