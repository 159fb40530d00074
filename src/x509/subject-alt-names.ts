import { isIP } from 'node:net';
import { Der } from './der.js';
import { ipAddressBytes } from './ip-address-bytes.js';

/**
 * The DER value of a subjectAltName extension (RFC 5280 §4.2.1.6) for `names`: DNS names as `[2] dNSName`,
 * IP addresses as `[7] iPAddress`, both IMPLICIT, in the order given. Pure.
 */
export function subjectAltNames(names: readonly string[]): Uint8Array {
  return Der.sequence(
    ...names.map((name) =>
      isIP(name) === 0 ? Der.tlv(0x82, Buffer.from(name, 'ascii')) : Der.tlv(0x87, ipAddressBytes(name)),
    ),
  );
}
