import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Der } from '../../src/x509/der.js';
import { derToPem } from '../../src/x509/der-to-pem.js';
import { subjectAltNames } from '../../src/x509/subject-alt-names.js';

/** One Ingress host and the valid certificate its Secret holds. */
export interface SteadyCertificate {
  readonly host: string;
  readonly certificatePem: string;
  readonly notAfterMs: number;
  /** Two thirds into the lifetime: where kube-lego schedules the renewal (and persists it as renew-at). */
  readonly renewAtMs: number;
}

export interface SteadyFixture {
  /** The shared certificate key (PKCS#8 PEM): one key for every certificate keeps generation cheap. */
  readonly keyPem: string;
  readonly certificates: readonly SteadyCertificate[];
}

const dayMs = 86_400_000;
const ecdsaWithSha256 = Der.sequence(Der.oid('1.2.840.10045.4.3.2'));
const caName = Der.sequence(
  Der.set(Der.sequence(Der.oid('2.5.4.3'), Der.utf8String('kube-lego benchmark steady-state CA'))),
);

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return Der.sequence(Der.oid(oid), ...(critical ? [Der.true()] : []), Der.octetString(value));
}

/** A positive DER INTEGER for `value` (a leading zero byte when the top bit is set). */
function serialNumber(value: number): Uint8Array {
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  return Der.tlv(0x02, (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Uint8Array.of(0), bytes]) : bytes);
}

interface Signed {
  readonly serial: number;
  readonly subject: Uint8Array;
  readonly validity: { readonly notBeforeMs: number; readonly notAfterMs: number };
  /** The subject's public key as a DER SubjectPublicKeyInfo (exported once: exporting costs more than signing). */
  readonly publicKeyDer: Uint8Array;
  readonly extensions: readonly Uint8Array[];
}

/** An X.509 v3 certificate issued by the fixture's CA, signed with `caKey` (ECDSA P-256, SHA-256). */
function certificateDer(fields: Signed, caKey: KeyObject): Uint8Array {
  const tbs = Der.sequence(
    Der.tlv(0xa0, Der.smallInteger(2)), // v3
    serialNumber(fields.serial),
    ecdsaWithSha256,
    caName,
    Der.sequence(Der.time(fields.validity.notBeforeMs), Der.time(fields.validity.notAfterMs)),
    fields.subject,
    fields.publicKeyDer,
    Der.tlv(0xa3, Der.sequence(...fields.extensions)),
  );
  return Der.sequence(tbs, ecdsaWithSha256, Der.bitString(sign('sha256', tbs, caKey)));
}

/**
 * Certificates for `count` hosts, valid from a day ago for 90 days (far from renewal), signed by a throwaway
 * CA: what a cluster looks like after kube-lego has issued everything. Built with node:crypto and the
 * project's own DER writer (tens of microseconds a certificate), so 100,000 of them take seconds: the fixture
 * is not what the case measures.
 */
export function createSteadyFixture(count: number, nowMs: number): SteadyFixture {
  // Certificates carry whole seconds; so must the annotations that are compared with them.
  const baseMs = Math.floor(nowMs / 1000) * 1000;
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caPem = derToPem(
    'CERTIFICATE',
    certificateDer(
      {
        serial: 1,
        subject: caName,
        validity: { notBeforeMs: baseMs - 2 * dayMs, notAfterMs: baseMs + 365 * dayMs },
        publicKeyDer: ca.publicKey.export({ type: 'spki', format: 'der' }),
        // basicConstraints cA TRUE, pathLen 0; keyUsage keyCertSign and cRLSign.
        extensions: [
          extension('2.5.29.19', true, Der.sequence(Der.true(), Der.smallInteger(0))),
          extension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x01, 0x06)),
        ],
      },
      ca.privateKey,
    ),
  );
  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const leafPublicKeyDer = leaf.publicKey.export({ type: 'spki', format: 'der' });
  const validity = { notBeforeMs: baseMs - dayMs, notAfterMs: baseMs + 89 * dayMs };
  const renewAtMs = validity.notBeforeMs + ((validity.notAfterMs - validity.notBeforeMs) * 2) / 3;
  const certificates: SteadyCertificate[] = [];
  for (let index = 0; index < count; index += 1) {
    const host = `s${index}.steady.example.com`;
    const leafPem = derToPem(
      'CERTIFICATE',
      certificateDer(
        {
          serial: index + 2,
          subject: Der.sequence(Der.set(Der.sequence(Der.oid('2.5.4.3'), Der.utf8String(host)))),
          validity,
          publicKeyDer: leafPublicKeyDer,
          extensions: [extension('2.5.29.17', false, subjectAltNames([host]))],
        },
        ca.privateKey,
      ),
    );
    certificates.push({
      host,
      certificatePem: `${leafPem}${caPem}`,
      notAfterMs: validity.notAfterMs,
      renewAtMs,
    });
  }
  return {
    keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificates,
  };
}
