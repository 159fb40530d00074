import './x509-runtime.js';
import { X509Certificate as NodeCertificate, createPrivateKey, type KeyObject } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  SubjectAlternativeNameExtension,
  X509Certificate as PeculiarCertificate,
} from '@peculiar/x509';
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
  readonly authorityKeyIdHex?: string;
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
  const [node, peculiar] = parseBoth(pem);
  const names = peculiar.getExtension(SubjectAlternativeNameExtension)?.names.items ?? [];
  const authorityKeyIdHex = peculiar.getExtension(AuthorityKeyIdentifierExtension)?.keyId;
  const notBeforeMs = peculiar.notBefore.getTime();
  const notAfterMs = peculiar.notAfter.getTime();
  return {
    dnsNames: names.filter((name) => name.type === 'dns').map((name) => name.value),
    ipAddresses: names.filter((name) => name.type === 'ip').map((name) => name.value),
    notBeforeMs,
    notAfterMs,
    lifetimeMs: notAfterMs - notBeforeMs,
    issuerCn: peculiar.issuerName.getField('CN')[0],
    subjectCn: peculiar.subjectName.getField('CN')[0],
    serialHex: peculiar.serialNumber.toLowerCase(),
    keyType: keyTypeOf(node.publicKey),
    selfSigned: node.subject === node.issuer && node.verify(node.publicKey),
    ...(authorityKeyIdHex === undefined || authorityKeyIdHex === ''
      ? {}
      : { authorityKeyIdHex: authorityKeyIdHex.toLowerCase() }),
  };
}

/**
 * Whether `keyPem` is the private key of the (first) certificate in `certPem`.
 *
 * @throws X509InputError `keyUnparseable` or `certificateUnparseable`
 */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const [node] = parseBoth(certPem);
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
  const certs = list.map((pem) => parseBoth(pem)[0]);
  return certs.every((cert, i) => {
    const issuer = certs[i + 1];
    return issuer === undefined || (cert.checkIssued(issuer) && cert.verify(issuer.publicKey));
  });
}

function parseBoth(pem: string): [NodeCertificate, PeculiarCertificate] {
  const first = splitPemBundle(pem)[0];
  if (first === undefined) {
    throw new X509InputError(
      'certificateUnparseable',
      'Cannot inspect the certificate: the input holds no PEM certificate',
    );
  }
  try {
    return [new NodeCertificate(first), new PeculiarCertificate(first)];
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
