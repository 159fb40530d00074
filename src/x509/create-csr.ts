import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Der } from './der.js';
import { derToPem } from './der-to-pem.js';
import { subjectAltNames } from './subject-alt-names.js';
import { X509InputError } from './x509-input-error.js';

/** A certificate signing request, DER (what ACME's finalize takes) and PEM. */
export interface Csr {
  readonly der: Uint8Array;
  readonly pem: string;
}

// RFC 5280 ub-common-name: a CN longer than 64 bytes makes the CSR invalid, so long first names go SAN-only.
const MAX_COMMON_NAME_BYTES = 64;

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

// Signed in libuv's pool (the callback form of sign), never on the event loop: RSA takes a millisecond or two.
const signAsync = promisify(sign);

/**
 * Creates a CSR (PKCS #10, RFC 2986) for `names` signed with `key`: every name in the subjectAltName (DNS
 * names, and IP addresses as iPAddress entries), the first name as CN only when it fits in 64 bytes.
 * Duplicates are dropped. Built with node:crypto and hand-written DER: @peculiar/x509 took about ten times
 * as long (bench/x509-micro.ts).
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
  const subject =
    Buffer.byteLength(first) <= MAX_COMMON_NAME_BYTES
      ? Der.sequence(Der.set(Der.sequence(Der.oid(OID_COMMON_NAME), Der.utf8String(first))))
      : Der.sequence();
  const extensions = Der.sequence(
    Der.sequence(Der.oid(OID_SUBJECT_ALT_NAME), Der.octetString(subjectAltNames(unique))),
  );
  const info = Der.sequence(
    Der.smallInteger(0),
    subject,
    createPublicKey(key).export({ type: 'spki', format: 'der' }),
    // attributes [0] IMPLICIT SET OF Attribute: the one extensionRequest.
    Der.tlv(0xa0, Der.sequence(Der.oid(OID_EXTENSION_REQUEST), Der.set(extensions))),
  );
  const signature = await signAsync(algorithm.hash, info, key);
  const der = Der.sequence(info, algorithm.identifier, Der.bitString(signature));
  return { der, pem: derToPem('CERTIFICATE REQUEST', der) };
}

interface CsrAlgorithm {
  readonly hash: 'sha256' | 'sha384';
  /** The signatureAlgorithm AlgorithmIdentifier. */
  readonly identifier: Uint8Array;
}

function signingAlgorithm(key: KeyObject): CsrAlgorithm {
  // sha256WithRSAEncryption takes a NULL parameter (RFC 4055); the ECDSA ones take none (RFC 5758).
  if (key.asymmetricKeyType === 'rsa')
    return { hash: 'sha256', identifier: Der.sequence(Der.oid('1.2.840.113549.1.1.11'), Der.null()) };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')
    return { hash: 'sha256', identifier: Der.sequence(Der.oid('1.2.840.10045.4.3.2')) };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1')
    return { hash: 'sha384', identifier: Der.sequence(Der.oid('1.2.840.10045.4.3.3')) };
  throw new X509InputError(
    'keyUnsupported',
    `Cannot create a CSR with a "${key.asymmetricKeyType ?? 'unknown'}" key${curve === undefined ? '' : ` on ${curve}`}: use RSA, ECDSA P-256 or P-384`,
  );
}
