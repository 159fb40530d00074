/**
 * DNS messages (RFC 1035 §4) as plain data, and their wire encoding. Encoding never compresses names (RFC 2136
 * and RFC 8945 allow it, nothing requires it); decoding follows compression pointers. UPDATE messages
 * (RFC 2136 §2) use the same four sections: zone, prerequisite, update and additional.
 */
import { isIP } from 'node:net';
import { RecordType } from './dns-codes.js';
import { DnsFormatError } from './dns-format-error.js';
import { decodeName, encodeName } from './dns-name.js';

/** The RDATA of the record types kube-lego reads and writes; anything else is kept as raw bytes. */
export type RecordData =
  | { readonly type: 'A'; readonly address: string }
  | { readonly type: 'AAAA'; readonly address: string }
  | { readonly type: 'NS'; readonly host: string }
  | { readonly type: 'CNAME'; readonly target: string }
  /** One or more character-strings of at most 255 octets each (UTF-8). */
  | { readonly type: 'TXT'; readonly strings: readonly string[] }
  | {
      readonly type: 'SOA';
      readonly primary: string;
      readonly mailbox: string;
      readonly serial: number;
      readonly refreshSeconds: number;
      readonly retrySeconds: number;
      readonly expireSeconds: number;
      readonly minimumSeconds: number;
    }
  | {
      readonly type: 'TSIG';
      readonly algorithm: string;
      readonly timeSignedSeconds: number;
      readonly fudgeSeconds: number;
      readonly mac: Uint8Array;
      readonly originalId: number;
      /** The TSIG error field (RFC 8945 §4.3): 0, BADSIG (16), BADKEY (17), BADTIME (18), ... */
      readonly error: number;
      readonly otherData: Uint8Array;
    }
  /** RDLENGTH 0: the "delete an RRset" and "RRset exists" forms of RFC 2136 §2.4.1 and §2.5.2. */
  | { readonly type: 'empty'; readonly typeCode: number }
  | { readonly type: 'unknown'; readonly typeCode: number; readonly rdata: Uint8Array };

export interface DnsRecord {
  readonly name: string;
  /** IN (1); NONE (254) and ANY (255) in UPDATE sections; ANY for TSIG. */
  readonly recordClass: number;
  readonly ttlSeconds: number;
  readonly data: RecordData;
}

/** A question, or the zone of an UPDATE (RFC 2136 §2.3: type SOA, the zone's class). */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly recordClass: number;
}

export interface DnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly opcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly recursionDesired: boolean;
  readonly recursionAvailable: boolean;
  /** The header's 4-bit RCODE (the TSIG error field extends it for TSIG failures). */
  readonly rcode: number;
  /** Questions; the zone section of an UPDATE. */
  readonly questions: readonly DnsQuestion[];
  /** Answers; the prerequisite section of an UPDATE. */
  readonly answers: readonly DnsRecord[];
  /** Authority records; the update section of an UPDATE. */
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** A decoded message, with where its TSIG record starts when the last additional record is one. */
export interface DecodedMessage extends DnsMessage {
  readonly tsigOffset: number | undefined;
}

/** The TYPE code of record data. */
export function typeCodeOf(data: RecordData): number {
  return data.type === 'empty' || data.type === 'unknown' ? data.typeCode : RecordType[data.type];
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

/** A 48-bit unsigned integer (TSIG's Time Signed). */
export function u48(value: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUIntBE(value, 0, 6);
  return buffer;
}

function ipv4Bytes(address: string): Buffer {
  if (isIP(address) !== 4) throw new DnsFormatError(`"${address}" is not an IPv4 address`);
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  if (isIP(address) !== 6) throw new DnsFormatError(`"${address}" is not an IPv6 address`);
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const b = ipv4Bytes(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return Buffer.concat([...headGroups, ...fill, ...tailGroups].map((group) => u16(parseInt(group, 16))));
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function characterString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) {
    throw new DnsFormatError(
      `A TXT string of ${bytes.length} octets is over 255: split it into several strings`,
    );
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** The RDATA of a record, uncompressed. */
export function encodeRdata(data: RecordData): Buffer {
  switch (data.type) {
    case 'A':
      return ipv4Bytes(data.address);
    case 'AAAA':
      return ipv6Bytes(data.address);
    case 'NS':
      return encodeName(data.host);
    case 'CNAME':
      return encodeName(data.target);
    case 'TXT':
      if (data.strings.length === 0) throw new DnsFormatError('A TXT record needs at least one string');
      return Buffer.concat(data.strings.map(characterString));
    case 'SOA':
      return Buffer.concat([
        encodeName(data.primary),
        encodeName(data.mailbox),
        u32(data.serial),
        u32(data.refreshSeconds),
        u32(data.retrySeconds),
        u32(data.expireSeconds),
        u32(data.minimumSeconds),
      ]);
    case 'TSIG':
      return Buffer.concat([
        encodeName(data.algorithm),
        u48(data.timeSignedSeconds),
        u16(data.fudgeSeconds),
        u16(data.mac.length),
        Buffer.from(data.mac),
        u16(data.originalId),
        u16(data.error),
        u16(data.otherData.length),
        Buffer.from(data.otherData),
      ]);
    case 'empty':
      return Buffer.alloc(0);
    case 'unknown':
      return Buffer.from(data.rdata);
  }
}

/** One resource record in wire form. */
export function encodeRecord(record: DnsRecord): Buffer {
  const rdata = encodeRdata(record.data);
  return Buffer.concat([
    encodeName(record.name),
    u16(typeCodeOf(record.data)),
    u16(record.recordClass),
    u32(record.ttlSeconds),
    u16(rdata.length),
    rdata,
  ]);
}

/** The 12-octet header (RFC 1035 §4.1.1) with the given section counts. */
export function encodeHeader(
  message: DnsMessage,
  counts: { qd: number; an: number; ns: number; ar: number },
): Buffer {
  const flags =
    (message.response ? 0x8000 : 0) |
    ((message.opcode & 0xf) << 11) |
    (message.authoritative ? 0x0400 : 0) |
    (message.truncated ? 0x0200 : 0) |
    (message.recursionDesired ? 0x0100 : 0) |
    (message.recursionAvailable ? 0x0080 : 0) |
    (message.rcode & 0xf);
  return Buffer.concat([
    u16(message.id),
    u16(flags),
    u16(counts.qd),
    u16(counts.an),
    u16(counts.ns),
    u16(counts.ar),
  ]);
}

/** A message in wire form, names uncompressed. */
export function encodeMessage(message: DnsMessage): Buffer {
  const header = encodeHeader(message, {
    qd: message.questions.length,
    an: message.answers.length,
    ns: message.authorities.length,
    ar: message.additionals.length,
  });
  return Buffer.concat([
    header,
    ...message.questions.map((q) => Buffer.concat([encodeName(q.name), u16(q.type), u16(q.recordClass)])),
    ...message.answers.map(encodeRecord),
    ...message.authorities.map(encodeRecord),
    ...message.additionals.map(encodeRecord),
  ]);
}

class Reader {
  constructor(
    readonly bytes: Buffer,
    public offset: number,
  ) {}

  need(count: number, what: string): void {
    if (this.offset + count > this.bytes.length) {
      throw new DnsFormatError(
        `The DNS message ends inside ${what} (offset ${this.offset}, ${this.bytes.length} octets)`,
      );
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes.readUInt8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  u32(what: string): number {
    this.need(4, what);
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  u48(what: string): number {
    this.need(6, what);
    const value = this.bytes.readUIntBE(this.offset, 6);
    this.offset += 6;
    return value;
  }
  take(count: number, what: string): Buffer {
    this.need(count, what);
    const slice = Buffer.from(this.bytes.subarray(this.offset, this.offset + count));
    this.offset += count;
    return slice;
  }
  name(): string {
    const { name, next } = decodeName(this.bytes, this.offset);
    this.offset = next;
    return name;
  }
}

function decodeRdata(reader: Reader, typeCode: number, length: number): RecordData {
  if (length === 0) return { type: 'empty', typeCode };
  const end = reader.offset + length;
  reader.need(length, 'RDATA');
  const data = ((): RecordData => {
    switch (typeCode) {
      case RecordType.A: {
        if (length !== 4) throw new DnsFormatError(`An A record has RDLENGTH ${length}, not 4`);
        return { type: 'A', address: [...reader.take(4, 'A')].join('.') };
      }
      case RecordType.AAAA: {
        if (length !== 16) throw new DnsFormatError(`An AAAA record has RDLENGTH ${length}, not 16`);
        return { type: 'AAAA', address: formatIpv6(reader.take(16, 'AAAA')) };
      }
      case RecordType.NS:
        return { type: 'NS', host: reader.name() };
      case RecordType.CNAME:
        return { type: 'CNAME', target: reader.name() };
      case RecordType.TXT: {
        const strings: string[] = [];
        while (reader.offset < end) {
          const size = reader.u8('a TXT string');
          strings.push(reader.take(size, 'a TXT string').toString('utf8'));
        }
        return { type: 'TXT', strings };
      }
      case RecordType.SOA:
        return {
          type: 'SOA',
          primary: reader.name(),
          mailbox: reader.name(),
          serial: reader.u32('SOA'),
          refreshSeconds: reader.u32('SOA'),
          retrySeconds: reader.u32('SOA'),
          expireSeconds: reader.u32('SOA'),
          minimumSeconds: reader.u32('SOA'),
        };
      case RecordType.TSIG: {
        const algorithm = reader.name();
        const timeSignedSeconds = reader.u48('TSIG');
        const fudgeSeconds = reader.u16('TSIG');
        const mac = reader.take(reader.u16('TSIG'), 'the TSIG MAC');
        const originalId = reader.u16('TSIG');
        const error = reader.u16('TSIG');
        const otherData = reader.take(reader.u16('TSIG'), 'the TSIG other data');
        return {
          type: 'TSIG',
          algorithm,
          timeSignedSeconds,
          fudgeSeconds,
          mac,
          originalId,
          error,
          otherData,
        };
      }
      default:
        return { type: 'unknown', typeCode, rdata: reader.take(length, 'RDATA') };
    }
  })();
  if (reader.offset !== end) {
    throw new DnsFormatError(
      `A record of type ${typeCode} has RDLENGTH ${length} but its data is ${length + reader.offset - end} octets`,
    );
  }
  return data;
}

function decodeRecord(reader: Reader): DnsRecord {
  const name = reader.name();
  const typeCode = reader.u16('a record type');
  const recordClass = reader.u16('a record class');
  const ttlSeconds = reader.u32('a TTL');
  const length = reader.u16('RDLENGTH');
  return { name, recordClass, ttlSeconds, data: decodeRdata(reader, typeCode, length) };
}

/** Decodes a whole message; trailing octets or a section that runs past the end are format errors. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  const id = reader.u16('the header');
  const flags = reader.u16('the header');
  const qd = reader.u16('the header');
  const an = reader.u16('the header');
  const ns = reader.u16('the header');
  const ar = reader.u16('the header');
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) {
    questions.push({
      name: reader.name(),
      type: reader.u16('a question'),
      recordClass: reader.u16('a question'),
    });
  }
  const section = (count: number): DnsRecord[] => Array.from({ length: count }, () => decodeRecord(reader));
  const answers = section(an);
  const authorities = section(ns);
  const additionals: DnsRecord[] = [];
  let tsigOffset: number | undefined;
  for (let i = 0; i < ar; i++) {
    const start = reader.offset;
    const record = decodeRecord(reader);
    if (record.data.type === 'TSIG') {
      // RFC 8945 §5.2: a TSIG record anywhere but last is a format error.
      if (i !== ar - 1) throw new DnsFormatError('A TSIG record is not the last record of the message');
      tsigOffset = start;
    }
    additionals.push(record);
  }
  if (reader.offset !== reader.bytes.length) {
    throw new DnsFormatError(
      `The DNS message has ${reader.bytes.length - reader.offset} octets after its last record`,
    );
  }
  return {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
    tsigOffset,
  };
}
