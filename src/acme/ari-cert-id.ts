import '../x509/x509-runtime.js';
import { AuthorityKeyIdentifierExtension, X509Certificate } from '@peculiar/x509';
import { splitPemBundle } from '../x509/pem-bundle.js';
import { AcmeUsageError } from './errors.js';

/**
 * The ARI CertID of a certificate (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial DER
 * content bytes), both unpadded. Pure: parses the PEM, no I/O. Used both in the renewalInfo URL and as
 * `replaces` in a new order.
 *
 * @throws AcmeUsageError `invalidArgument` when the PEM is not a certificate or has no AKI key identifier
 * @example ariCertId(leafPem) // "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
 */
export function ariCertId(certPem: string): string {
  let cert: X509Certificate;
  try {
    // A tls.crt bundle is fine: the CertID is the leaf's, the first certificate.
    cert = new X509Certificate(splitPemBundle(certPem)[0] ?? certPem);
  } catch (err) {
    throw new AcmeUsageError(
      'invalidArgument',
      'Cannot compute the ARI CertID: the PEM is not a certificate',
      {
        cause: err,
      },
    );
  }
  const keyId = cert.getExtension(AuthorityKeyIdentifierExtension)?.keyId;
  if (keyId === undefined || keyId === '') {
    throw new AcmeUsageError(
      'invalidArgument',
      `Cannot compute the ARI CertID of certificate ${cert.serialNumber}: it has no Authority Key Identifier key id`,
    );
  }
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${serialDerContent(cert.serialNumber).toString('base64url')}`;
}

// The library reports the serial as minimal hex without the DER sign byte. RFC 5280 serials are positive,
// so DER prefixes 0x00 whenever the top bit is set: restore it, as RFC 9773's example (00 87 65 43 21) shows.
function serialDerContent(serialHex: string): Buffer {
  const even = serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`;
  const bytes = Buffer.from(even, 'hex');
  const first = bytes[0] ?? 0;
  return first >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}
