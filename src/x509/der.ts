/**
 * The few DER (X.690) pieces kube-lego builds and reads itself on the issuance path: a CSR and the two
 * fields of a certificate the ARI CertID needs. Hand-built because @peculiar/x509 costs several ms per
 * CSR and per parse (see bench/x509-micro.ts). Pure: bytes in, bytes out.
 */

/** One decoded TLV: its tag byte, its content, and where the next element starts. */
export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly end: number;
}

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** Encodes one TLV. */
function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  const content = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(content.length)]), content]);
}

/** Encodes an OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128: number[] = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      base128.unshift((value % 128) | (base128.length === 0 ? 0 : 0x80));
      if (value < 128) break;
    }
    bytes.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/**
 * Reads the TLV at `offset` of `bytes`.
 *
 * @throws Error when the bytes are not DER (a truncated element, an indefinite or oversized length)
 */
function read(bytes: Uint8Array, offset = 0): DerElement {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('DER: truncated element');
  let length = first;
  let start = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? Number.NaN);
    start += count;
  }
  const end = start + length;
  if (!Number.isFinite(length) || end > bytes.length) throw new Error('DER: truncated element');
  return { tag, content: bytes.subarray(start, end), end };
}

/** The elements inside a constructed element's content, in order. */
function children(content: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < content.length;) {
    const element = read(content, offset);
    out.push(element);
    offset = element.end;
  }
  return out;
}

/** DER building blocks and a small reader. */
export const Der = {
  tlv,
  oid,
  read,
  children,
  sequence: (...items: readonly Uint8Array[]): Uint8Array => tlv(0x30, ...items),
  set: (...items: readonly Uint8Array[]): Uint8Array => tlv(0x31, ...items),
  /** A BIT STRING with no unused bits. */
  bitString: (bytes: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), bytes),
  octetString: (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes),
  utf8String: (text: string): Uint8Array => tlv(0x0c, Buffer.from(text, 'utf8')),
  null: (): Uint8Array => Uint8Array.of(0x05, 0x00),
  true: (): Uint8Array => Uint8Array.of(0x01, 0x01, 0xff),
  /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5), to the second, in UTC. */
  time: (ms: number): Uint8Array => {
    const iso = new Date(ms).toISOString(); // 2026-12-01T14:09:30.123Z
    const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    return Number(iso.slice(0, 4)) < 2050
      ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
      : tlv(0x18, Buffer.from(digits, 'ascii'));
  },
  /** INTEGER 0..127 (CSR versions). */
  smallInteger: (value: number): Uint8Array => Uint8Array.of(0x02, 0x01, value),
} as const;
