/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4) and in presentation form. kube-lego writes names as absolute
 * names without the final dot (`_acme-challenge.example.com`; the root is `''`); a final dot is accepted.
 * Labels keep their case; comparisons are case-insensitive (RFC 4343).
 */
import { DnsFormatError } from './dns-format-error.js';

const maxNameOctets = 255;
const maxLabelOctets = 63;

/** The labels of a name in presentation form, with `\.`, `\\` and `\DDD` escapes decoded. */
export function nameLabels(name: string): Buffer[] {
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (text === '') return [];
  const labels: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) throw new DnsFormatError(`Invalid escape "\\${digits}" in the DNS name "${name}"`);
        current.push(value);
        i += 3;
      } else if (i + 1 < text.length) {
        current.push(text.charCodeAt(i + 1));
        i += 1;
      } else {
        throw new DnsFormatError(`The DNS name "${name}" ends with a lone backslash`);
      }
    } else if (ch === 0x2e) {
      labels.push(finishLabel(current, name));
      current = [];
    } else if (ch > 0x7e || ch < 0x21) {
      throw new DnsFormatError(`The DNS name "${name}" has a character outside printable ASCII; use \\DDD`);
    } else {
      current.push(ch);
    }
  }
  labels.push(finishLabel(current, name));
  const octets = labels.reduce((sum, label) => sum + label.length + 1, 1);
  if (octets > maxNameOctets) {
    throw new DnsFormatError(
      `The DNS name "${name}" is ${octets} octets long on the wire, over ${maxNameOctets}`,
    );
  }
  return labels;
}

function finishLabel(octets: number[], name: string): Buffer {
  if (octets.length === 0) throw new DnsFormatError(`The DNS name "${name}" has an empty label`);
  if (octets.length > maxLabelOctets) {
    throw new DnsFormatError(
      `The DNS name "${name}" has a label of ${octets.length} octets, over ${maxLabelOctets}`,
    );
  }
  return Buffer.from(octets);
}

/** The uncompressed wire form of a name. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of nameLabels(name)) parts.push(Buffer.from([label.length]), label);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * The canonical wire form (RFC 4034 §6.2: uncompressed, ASCII letters lower-cased) that TSIG MACs cover for
 * the key and algorithm names (RFC 8945 §4.3.3).
 */
export function encodeCanonicalName(name: string): Buffer {
  const wire = encodeName(name);
  for (let i = 0; i < wire.length;) {
    const length = wire[i] ?? 0;
    for (let j = i + 1; j <= i + length; j++) {
      const octet = wire[j] ?? 0;
      if (octet >= 0x41 && octet <= 0x5a) wire[j] = octet + 0x20;
    }
    i += length + 1;
    if (length === 0) break;
  }
  return wire;
}

function presentLabel(label: Buffer): string {
  let text = '';
  for (const octet of label) {
    if (octet === 0x2e || octet === 0x5c) text += `\\${String.fromCharCode(octet)}`;
    else if (octet < 0x21 || octet > 0x7e) text += `\\${String(octet).padStart(3, '0')}`;
    else text += String.fromCharCode(octet);
  }
  return text;
}

/**
 * Reads a possibly compressed name at `offset`. Compression pointers must point backwards, which rules out
 * loops; the name may not exceed 255 octets. Returns the name and the offset just past it in the message.
 */
export function decodeName(message: Uint8Array, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let position = offset;
  let next: number | undefined;
  let octets = 1;
  for (;;) {
    const length = message[position];
    if (length === undefined)
      throw new DnsFormatError(`A DNS name at offset ${offset} runs past the message end`);
    if ((length & 0xc0) === 0xc0) {
      const low = message[position + 1];
      if (low === undefined)
        throw new DnsFormatError(`A compression pointer at offset ${position} is cut off`);
      const target = ((length & 0x3f) << 8) | low;
      if (target >= position) {
        throw new DnsFormatError(`A compression pointer at offset ${position} points forward to ${target}`);
      }
      next ??= position + 2;
      position = target;
      continue;
    }
    if ((length & 0xc0) !== 0) {
      throw new DnsFormatError(`Unsupported label type 0x${length.toString(16)} at offset ${position}`);
    }
    if (length === 0) {
      next ??= position + 1;
      break;
    }
    const end = position + 1 + length;
    if (end > message.length)
      throw new DnsFormatError(`A label at offset ${position} runs past the message end`);
    octets += length + 1;
    if (octets > maxNameOctets) {
      throw new DnsFormatError(`A DNS name at offset ${offset} is longer than ${maxNameOctets} octets`);
    }
    labels.push(presentLabel(Buffer.from(message.subarray(position + 1, end))));
    position = end;
  }
  return { name: labels.join('.'), next };
}

/** Whether two names are the same name: ASCII case-insensitive, a final dot ignored (RFC 4343). */
export function sameName(a: string, b: string): boolean {
  return encodeCanonicalName(a).equals(encodeCanonicalName(b));
}

/** Whether `name` is `zone` or below it. */
export function isAtOrBelow(name: string, zone: string): boolean {
  const nameLabelsLower = nameLabels(name).map((label) => label.toString('latin1').toLowerCase());
  const zoneLabelsLower = nameLabels(zone).map((label) => label.toString('latin1').toLowerCase());
  if (zoneLabelsLower.length > nameLabelsLower.length) return false;
  const tail = nameLabelsLower.slice(nameLabelsLower.length - zoneLabelsLower.length);
  return tail.every((label, i) => label === zoneLabelsLower[i]);
}
