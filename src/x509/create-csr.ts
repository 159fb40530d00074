import './x509-runtime.js';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { X509InputError } from './x509-input-error.js';

/** A certificate signing request, DER (what ACME's finalize takes) and PEM. */
export interface Csr {
  readonly der: Uint8Array;
  readonly pem: string;
}

// RFC 5280 ub-common-name: a CN longer than 64 bytes makes the CSR invalid, so long first names go SAN-only.
const MAX_COMMON_NAME_BYTES = 64;

/**
 * Creates a CSR for `names` signed with `key`: every name in the subjectAltName (DNS names, and IP addresses
 * as iPAddress entries), the first name as CN only when it fits in 64 bytes. Duplicates are dropped.
 *
 * @throws X509InputError `invalidName` for an empty list, `keyUnsupported` for keys other than RSA, P-256, P-384
 * @example const csr = await createCsr(key, ['example.com', 'www.example.com'])
 */
export async function createCsr(key: KeyObject, names: readonly string[]): Promise<Csr> {
  const unique = [...new Set(names)];
  const first = unique[0];
  if (first === undefined || unique.some((name) => name.trim() === '')) {
    throw new X509InputError(
      'invalidName',
      `Cannot create a CSR for ${JSON.stringify(names)}: give at least one non-empty name`,
    );
  }
  const algorithm = signingAlgorithm(key);
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      key.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      createPublicKey(key).export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const san = new SubjectAlternativeNameExtension(
    unique.map((name) =>
      isIP(name) === 0 ? { type: 'dns' as const, value: name } : { type: 'ip' as const, value: name },
    ),
  );
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: Buffer.byteLength(first) <= MAX_COMMON_NAME_BYTES ? [{ CN: [first] }] : [],
    keys,
    signingAlgorithm: algorithm,
    extensions: [san],
  });
  return { der: new Uint8Array(csr.rawData), pem: csr.toString('pem') };
}

type CsrAlgorithm =
  { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' } | { name: 'ECDSA'; namedCurve: string; hash: string };

function signingAlgorithm(key: KeyObject): CsrAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')
    return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1')
    return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  throw new X509InputError(
    'keyUnsupported',
    `Cannot create a CSR with a "${key.asymmetricKeyType ?? 'unknown'}" key${curve === undefined ? '' : ` on ${curve}`}: use RSA, ECDSA P-256 or P-384`,
  );
}
