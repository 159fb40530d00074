import { isIPv4, isIPv6 } from 'node:net';

/**
 * The octets of an IP address for an iPAddress GeneralName (RFC 5280 §4.2.1.6): 4 for IPv4, 16 for IPv6
 * (`::` and an embedded IPv4 tail expanded). Pure.
 *
 * @throws Error when `address` is not an IP address
 */
export function ipAddressBytes(address: string): Uint8Array {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) throw new Error(`not an IP address: ${JSON.stringify(address)}`);
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1];
  const text = v4Tail === undefined ? bare : `${bare.slice(0, -v4Tail.length)}0:0`;
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (v4Tail !== undefined) bytes.splice(12, 4, ...v4Tail.split('.').map(Number));
  return Uint8Array.from(bytes);
}
