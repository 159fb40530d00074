import { createPublicKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import type { TemporaryCertificate } from '../ports/temporary-certificates.js';
import { Der } from './der.js';
import { derToPem } from './der-to-pem.js';
import { keyToPem } from './private-key.js';
import { subjectAltNames } from './subject-alt-names.js';

/** The subject of every temporary certificate: says what it is to whoever inspects a served certificate. */
export const TEMPORARY_CERTIFICATE_SUBJECT = 'CN=kube-lego temporary certificate';

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);

const ECDSA_WITH_SHA256 = Der.sequence(Der.oid('1.2.840.10045.4.3.2'));
const NAME = Der.sequence(
  Der.set(Der.sequence(Der.oid('2.5.4.3'), Der.utf8String('kube-lego temporary certificate'))),
);

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return Der.sequence(Der.oid(oid), ...(critical ? [Der.true()] : []), Der.octetString(value));
}

/** A positive 16-byte serial whose DER needs no sign byte: the top bit clear, the first byte never 0. */
function randomSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = 0x40 | ((bytes[0] ?? 0) & 0x3f);
  return bytes;
}

/**
 * A self-signed ECDSA P-256 certificate for `hosts`, valid from an hour before `nowMs` for `validityMs`:
 * what a TLS Secret holds until the CA's certificate arrives, so ingress controllers never get an empty
 * pair. kube-lego always counts it as due (it is self-signed), never as a valid certificate. It is made on
 * the way to the first order of a Secret, so it is built with node:crypto and hand-written DER (about 1 ms)
 * rather than a general X.509 library (about 50 ms under load, on the critical path of case 1).
 */
export async function createTemporaryCertificate(
  hosts: readonly string[],
  options: { readonly nowMs: number; readonly validityMs: number },
): Promise<TemporaryCertificate> {
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  const tbs = Der.sequence(
    Der.tlv(0xa0, Der.smallInteger(2)), // v3
    Der.tlv(0x02, randomSerial()),
    ECDSA_WITH_SHA256,
    NAME,
    Der.sequence(Der.time(options.nowMs - 3_600_000), Der.time(options.nowMs + options.validityMs)),
    NAME,
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    Der.tlv(
      0xa3,
      Der.sequence(
        // basicConstraints: not a CA (cA FALSE is the default, so the SEQUENCE is empty).
        extension('2.5.29.19', true, Der.sequence()),
        // keyUsage: digitalSignature only (bit 0; 7 unused bits).
        extension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x07, 0x80)),
        // extKeyUsage: serverAuth.
        extension('2.5.29.37', false, Der.sequence(Der.oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.17', false, subjectAltNames(hosts)),
      ),
    ),
  );
  const signature = await signAsync('sha256', tbs, privateKey);
  const der = Der.sequence(tbs, ECDSA_WITH_SHA256, Der.bitString(signature));
  return { certificatePem: derToPem('CERTIFICATE', der), privateKeyPem: keyToPem(privateKey) };
}
