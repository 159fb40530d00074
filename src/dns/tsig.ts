/**
 * TSIG (RFC 8945): HMAC signatures of DNS messages with a shared secret, as RFC 2136 servers (BIND, Knot,
 * PowerDNS, Windows DNS) require for dynamic updates. Only HMAC-SHA256 and HMAC-SHA512 (RFC 8945 §6: SHA-256
 * is mandatory to implement; MD5 and SHA-1 are deprecated) and only full-length MACs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Rcode, RecordClass } from './dns-codes.js';
import { DnsFormatError } from './dns-format-error.js';
import { encodeRecord, u48, type DecodedMessage, type DnsRecord } from './dns-message.js';
import { encodeCanonicalName, sameName } from './dns-name.js';

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

/** The fudge RFC 8945 §10 recommends: 300 s of clock difference are accepted either way. */
export const DEFAULT_FUDGE_SECONDS = 300;

/**
 * A TSIG key: its name and algorithm, and a function that computes the HMAC. The secret is held in a closure,
 * never as a property, so logging or inspecting the key cannot print it.
 */
export interface TsigKey {
  /** The key's domain name, as the server's configuration names it (`kube-lego.` is `kube-lego`). */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  /** HMAC of `data` under the secret. */
  mac(data: Uint8Array): Buffer;
}

export interface TsigKeyInit {
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  /** The secret in base64, as `tsig-keygen`, `keymgr -t` and `knotc` print it. */
  readonly secretBase64: string;
}

const digestOf: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' };

/** Makes a key from its configuration. Throws `DnsFormatError` naming the key (never the secret). */
export function createTsigKey(init: TsigKeyInit): TsigKey {
  encodeCanonicalName(init.name);
  if (!(TSIG_ALGORITHMS as readonly string[]).includes(init.algorithm)) {
    throw new DnsFormatError(
      `TSIG key "${init.name}" has the algorithm "${init.algorithm as string}"; supported: ${TSIG_ALGORITHMS.join(', ')}`,
    );
  }
  const compact = init.secretBase64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new DnsFormatError(`The secret of TSIG key "${init.name}" is not valid base64`);
  }
  const secret = Buffer.from(compact, 'base64');
  const digest = digestOf[init.algorithm];
  return {
    name: init.name,
    algorithm: init.algorithm,
    mac: (data) => createHmac(digest, secret).update(data).digest(),
  };
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

interface TsigVariables {
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSignedSeconds: number;
  readonly fudgeSeconds: number;
  readonly error: number;
  readonly otherData: Uint8Array;
}

/** The TSIG variables of RFC 8945 §4.3.3, with the names canonical; class ANY and TTL 0 are fixed. */
function variables(v: TsigVariables): Buffer {
  const ttl = Buffer.alloc(4);
  return Buffer.concat([
    encodeCanonicalName(v.keyName),
    u16(RecordClass.ANY),
    ttl,
    encodeCanonicalName(v.algorithm),
    u48(v.timeSignedSeconds),
    u16(v.fudgeSeconds),
    u16(v.error),
    u16(v.otherData.length),
    Buffer.from(v.otherData),
  ]);
}

function macInput(requestMac: Uint8Array | undefined, message: Uint8Array, v: TsigVariables): Buffer {
  const prior = requestMac === undefined ? [] : [u16(requestMac.length), Buffer.from(requestMac)];
  return Buffer.concat([...prior, Buffer.from(message), variables(v)]);
}

export interface SignOptions {
  /** Seconds since the epoch; the caller's clock (a skewed one in tests). */
  readonly timeSignedSeconds: number;
  readonly fudgeSeconds?: number;
  /** The request's MAC, when signing a response (RFC 8945 §5.3). */
  readonly requestMac?: Uint8Array;
}

export interface SignedMessage {
  readonly wire: Buffer;
  /** Kept to verify the response, which covers it (RFC 8945 §5.3). */
  readonly mac: Buffer;
}

/** Appends a TSIG record to a message in wire form (RFC 8945 §4.3) and counts it in ARCOUNT. */
export function signMessage(wire: Uint8Array, key: TsigKey, options: SignOptions): SignedMessage {
  const message = Buffer.from(wire);
  if (message.length < 12) throw new DnsFormatError('Cannot sign a DNS message shorter than its header');
  const vars: TsigVariables = {
    keyName: key.name,
    algorithm: key.algorithm,
    timeSignedSeconds: options.timeSignedSeconds,
    fudgeSeconds: options.fudgeSeconds ?? DEFAULT_FUDGE_SECONDS,
    error: 0,
    otherData: Buffer.alloc(0),
  };
  const mac = key.mac(macInput(options.requestMac, message, vars));
  const record: DnsRecord = {
    name: key.name,
    recordClass: RecordClass.ANY,
    ttlSeconds: 0,
    data: {
      type: 'TSIG',
      algorithm: key.algorithm,
      timeSignedSeconds: vars.timeSignedSeconds,
      fudgeSeconds: vars.fudgeSeconds,
      mac,
      originalId: message.readUInt16BE(0),
      error: 0,
      otherData: vars.otherData,
    },
  };
  message.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire: Buffer.concat([message, encodeRecord(record)]), mac };
}

/**
 * What a signed message's TSIG says:
 * - `verified`: the MAC is right and the time within the fudge;
 * - `unsigned`: there is no TSIG record;
 * - `serverError`: the server refused our signature (BADSIG, BADKEY, BADTIME, ...). BADSIG and BADKEY
 *   answers are unsigned by design (RFC 8945 §5.3.2), so they cannot be authenticated. For BADTIME the
 *   server's clock is in `serverTimeSeconds`;
 * - `invalid`: the record does not authenticate the message (wrong key or algorithm, bad MAC, time outside
 *   the fudge).
 */
export type TsigVerification =
  | { readonly kind: 'verified'; readonly timeSignedSeconds: number }
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'serverError'; readonly error: number; readonly serverTimeSeconds: number | undefined }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface VerifyOptions {
  /** Seconds since the epoch, for the time check. */
  readonly nowSeconds: number;
  /** The MAC of the request this message answers; absent when verifying a request. */
  readonly requestMac?: Uint8Array;
}

/** Checks the TSIG record of `wire` (already decoded as `message`) against `key` (RFC 8945 §5.2, §5.3). */
export function verifyTsig(
  wire: Uint8Array,
  message: DecodedMessage,
  key: TsigKey,
  options: VerifyOptions,
): TsigVerification {
  const record = message.additionals.at(-1);
  if (message.tsigOffset === undefined || record === undefined || record.data.type !== 'TSIG') {
    return { kind: 'unsigned' };
  }
  const tsig = record.data;
  if (!sameName(record.name, key.name)) {
    return { kind: 'invalid', reason: `it is signed with the key "${record.name}", not "${key.name}"` };
  }
  if (!sameName(tsig.algorithm, key.algorithm)) {
    return { kind: 'invalid', reason: `it is signed with ${tsig.algorithm}, not ${key.algorithm}` };
  }
  if (tsig.error !== Rcode.NOERROR && tsig.mac.length === 0) {
    return { kind: 'serverError', error: tsig.error, serverTimeSeconds: serverTime(tsig) };
  }
  const unsigned = Buffer.from(wire.subarray(0, message.tsigOffset));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = key.mac(
    macInput(options.requestMac, unsigned, {
      keyName: record.name,
      algorithm: tsig.algorithm,
      timeSignedSeconds: tsig.timeSignedSeconds,
      fudgeSeconds: tsig.fudgeSeconds,
      error: tsig.error,
      otherData: tsig.otherData,
    }),
  );
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    return { kind: 'invalid', reason: 'its MAC does not match the key' };
  }
  if (tsig.error !== Rcode.NOERROR) {
    return { kind: 'serverError', error: tsig.error, serverTimeSeconds: serverTime(tsig) };
  }
  if (Math.abs(options.nowSeconds - tsig.timeSignedSeconds) > tsig.fudgeSeconds) {
    return {
      kind: 'invalid',
      reason: `it was signed at ${tsig.timeSignedSeconds} s, ${options.nowSeconds - tsig.timeSignedSeconds} s from our clock, outside the fudge of ${tsig.fudgeSeconds} s`,
    };
  }
  return { kind: 'verified', timeSignedSeconds: tsig.timeSignedSeconds };
}

/** BADTIME answers carry the server's clock in Other Data (RFC 8945 §5.2.3); else the time they were signed. */
function serverTime(tsig: {
  readonly otherData: Uint8Array;
  readonly timeSignedSeconds: number;
}): number | undefined {
  if (tsig.otherData.length === 6) return Buffer.from(tsig.otherData).readUIntBE(0, 6);
  return tsig.timeSignedSeconds === 0 ? undefined : tsig.timeSignedSeconds;
}
