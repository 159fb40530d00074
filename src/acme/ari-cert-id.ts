import { Der, type DerElement } from '../x509/der.js';
import { splitPemBundle } from '../x509/pem-bundle.js';
import { AcmeUsageError } from './errors.js';

const OID_AUTHORITY_KEY_IDENTIFIER = Der.oid('2.5.29.35');

/**
 * The ARI CertID of a certificate (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial DER
 * content bytes), both unpadded. Pure: reads the two fields straight from the DER (no full parse: this runs
 * once per issuance and per renewal check). Used both in the renewalInfo URL and as `replaces` in a new order.
 *
 * @throws AcmeUsageError `invalidArgument` when the PEM is not a certificate or has no AKI key identifier
 * @example ariCertId(leafPem) // "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
 */
export function ariCertId(certPem: string): string {
  let fields: { serial: Uint8Array; keyId: Uint8Array | undefined };
  try {
    // A tls.crt bundle is fine: the CertID is the leaf's, the first certificate.
    fields = certIdFields(pemBody(splitPemBundle(certPem)[0] ?? certPem));
  } catch (err) {
    throw new AcmeUsageError(
      'invalidArgument',
      'Cannot compute the ARI CertID: the PEM is not a certificate',
      {
        cause: err,
      },
    );
  }
  const serial = Buffer.from(fields.serial);
  if (fields.keyId === undefined || fields.keyId.length === 0) {
    throw new AcmeUsageError(
      'invalidArgument',
      `Cannot compute the ARI CertID of certificate ${serial.toString('hex')}: it has no Authority Key Identifier key id`,
    );
  }
  // The serial's DER content bytes as they are: with the 0x00 sign byte when the top bit is set.
  return `${Buffer.from(fields.keyId).toString('base64url')}.${serial.toString('base64url')}`;
}

function pemBody(pem: string): Uint8Array {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (match?.[1] === undefined) throw new Error('no CERTIFICATE block');
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

function expect(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element?.tag !== tag) throw new Error(`not a certificate: ${what}`);
  return element;
}

/** The serial's content bytes and the AKI keyIdentifier of a DER certificate (RFC 5280 §4.1). */
function certIdFields(der: Uint8Array): { serial: Uint8Array; keyId: Uint8Array | undefined } {
  const certificate = expect(Der.read(der), 0x30, 'Certificate');
  const tbs = Der.children(expect(Der.children(certificate.content)[0], 0x30, 'TBSCertificate').content);
  // version [0] EXPLICIT is optional (absent means v1); the serial follows it.
  const serialIndex = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expect(tbs[serialIndex], 0x02, 'serialNumber').content;
  // extensions [3] EXPLICIT Extensions, after issuerUniqueID [1] and subjectUniqueID [2] when present.
  const extensions = tbs.find((element) => element.tag === 0xa3);
  if (extensions === undefined) return { serial, keyId: undefined };
  const list = expect(Der.children(extensions.content)[0], 0x30, 'Extensions');
  for (const extension of Der.children(list.content)) {
    const [id, ...rest] = Der.children(expect(extension, 0x30, 'Extension').content);
    if (id === undefined || !sameBytes(Der.tlv(id.tag, id.content), OID_AUTHORITY_KEY_IDENTIFIER)) continue;
    const value = expect(rest.at(-1), 0x04, 'extnValue');
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
    const aki = Der.children(expect(Der.read(value.content), 0x30, 'AuthorityKeyIdentifier').content);
    return { serial, keyId: aki.find((element) => element.tag === 0x80)?.content };
  }
  return { serial, keyId: undefined };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
