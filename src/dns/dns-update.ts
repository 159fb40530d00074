/**
 * RFC 2136 dynamic updates signed with TSIG (RFC 8945), and the check of the server's signed answer. No
 * prerequisites: adding a record that exists and deleting one that does not are no-ops on the server
 * (RFC 2136 §3.4.2), so a retried update converges.
 */
import { randomInt } from 'node:crypto';
import { Opcode, Rcode, RecordClass, RecordType, rcodeName } from './dns-codes.js';
import { DnsError, type DnsErrorCode } from './dns-error.js';
import { exchange, type ExchangeOptions } from './dns-exchange.js';
import { encodeMessage, type DnsMessage, type DnsRecord, type RecordData } from './dns-message.js';
import { formatServer, type DnsServer } from './dns-transport.js';
import { signMessage, verifyTsig, type TsigKey } from './tsig.js';

/** One change of the update section (RFC 2136 §2.5). */
export type UpdateOperation =
  /** Add to an RRset (§2.5.1): the record's class is IN. */
  | { readonly kind: 'add'; readonly name: string; readonly ttlSeconds: number; readonly data: RecordData }
  /** Delete one record by its value (§2.5.4): class NONE, TTL 0; other values at the name stay. */
  | { readonly kind: 'deleteRecord'; readonly name: string; readonly data: RecordData }
  /** Delete a whole RRset (§2.5.2): class ANY, TTL 0, no RDATA. */
  | { readonly kind: 'deleteRRset'; readonly name: string; readonly type: number };

function updateRecord(operation: UpdateOperation): DnsRecord {
  switch (operation.kind) {
    case 'add':
      return {
        name: operation.name,
        recordClass: RecordClass.IN,
        ttlSeconds: operation.ttlSeconds,
        data: operation.data,
      };
    case 'deleteRecord':
      return { name: operation.name, recordClass: RecordClass.NONE, ttlSeconds: 0, data: operation.data };
    case 'deleteRRset':
      return {
        name: operation.name,
        recordClass: RecordClass.ANY,
        ttlSeconds: 0,
        data: { type: 'empty', typeCode: operation.type },
      };
  }
}

/** The unsigned UPDATE message for `zone` (RFC 2136 §2: zone section SOA/IN, no prerequisites). */
export function buildUpdateMessage(
  id: number,
  zone: string,
  operations: readonly UpdateOperation[],
): DnsMessage {
  return {
    id,
    response: false,
    opcode: Opcode.UPDATE,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    rcode: 0,
    questions: [{ name: zone, type: RecordType.SOA, recordClass: RecordClass.IN }],
    answers: [],
    authorities: operations.map(updateRecord),
    additionals: [],
  };
}

export interface UpdateRequest {
  /** The zone to update: its apex, as found by `findZone` or configured. */
  readonly zone: string;
  readonly key: TsigKey;
  readonly operations: readonly UpdateOperation[];
}

export interface UpdateOptions extends ExchangeOptions {
  /** The clock TSIG's Time Signed is read from (default `Date.now`); a skewed one provokes BADTIME in tests. */
  readonly nowMs?: () => number;
  /** TSIG fudge sent with the request (default 300 s). */
  readonly fudgeSeconds?: number;
}

/**
 * Sends one signed UPDATE to `server` and resolves when it answered NOERROR with a valid signature by the same
 * key. Defaults to TCP: an update is never resent blindly and its size never matters.
 */
export async function sendUpdate(
  server: DnsServer,
  request: UpdateRequest,
  options: UpdateOptions = {},
): Promise<void> {
  const nowMs = options.nowMs ?? Date.now;
  const { zone, key } = request;
  const at = formatServer(server);
  const scope = { server: at, zone, keyName: key.name };
  const unsigned = encodeMessage(buildUpdateMessage(randomInt(0x10000), zone, request.operations));
  const signed = signMessage(unsigned, key, {
    timeSignedSeconds: Math.floor(nowMs() / 1000),
    ...(options.fudgeSeconds === undefined ? {} : { fudgeSeconds: options.fudgeSeconds }),
  });
  const what = `the update of zone "${zone}" signed with TSIG key "${key.name}"`;
  const answer = await exchange(
    server,
    signed.wire,
    { ...options, transport: options.transport ?? 'tcp' },
    { what, zone, keyName: key.name },
  );
  const nowSeconds = Math.floor(nowMs() / 1000);
  const verification = verifyTsig(answer.wire, answer.message, key, { nowSeconds, requestMac: signed.mac });
  if (verification.kind === 'serverError') {
    const tsigName = rcodeName(verification.error);
    const header = rcodeName(answer.message.rcode);
    switch (verification.error) {
      case Rcode.BADSIG:
        throw new DnsError(
          `DNS server ${at} rejected ${what} (${header}/${tsigName}): the key's secret differs from the server's`,
          { ...scope, code: 'dnsBadSignature', rcode: verification.error },
        );
      case Rcode.BADKEY:
        throw new DnsError(
          `DNS server ${at} rejected ${what} (${header}/${tsigName}): the server has no ${key.algorithm} key of that name, or its ACL does not let this key update the zone`,
          { ...scope, code: 'dnsBadKey', rcode: verification.error },
        );
      case Rcode.BADTIME: {
        const offset =
          verification.serverTimeSeconds === undefined
            ? undefined
            : verification.serverTimeSeconds - nowSeconds;
        const clock =
          offset === undefined
            ? 'the clocks differ by more than the fudge'
            : `our clock is ${Math.abs(offset)} s ${offset > 0 ? 'behind' : 'ahead of'} the server's`;
        throw new DnsError(`DNS server ${at} rejected ${what} (${header}/${tsigName}): ${clock}`, {
          ...scope,
          code: 'dnsBadTime',
          rcode: verification.error,
          ...(offset === undefined ? {} : { clockOffsetSeconds: offset }),
        });
      }
      default:
        throw new DnsError(`DNS server ${at} rejected ${what} (${header}/${tsigName})`, {
          ...scope,
          code: 'dnsFailed',
          rcode: verification.error,
        });
    }
  }
  if (answer.message.rcode !== Rcode.NOERROR) {
    throw new DnsError(updateRcodeMessage(answer.message.rcode, at, what, zone), {
      ...scope,
      code: updateRcodeCode(answer.message.rcode),
      rcode: answer.message.rcode,
    });
  }
  if (verification.kind !== 'verified') {
    const why = verification.kind === 'unsigned' ? 'it is not signed' : verification.reason;
    throw new DnsError(
      `DNS server ${at} answered ${what} with NOERROR, but the answer is not authentic: ${why}`,
      {
        ...scope,
        code: 'dnsUnauthenticatedResponse',
      },
    );
  }
}

function updateRcodeCode(rcode: number): DnsErrorCode {
  switch (rcode) {
    case Rcode.REFUSED:
      return 'dnsRefused';
    case Rcode.NOTAUTH:
      return 'dnsNotAuth';
    case Rcode.NOTZONE:
      return 'dnsNotZone';
    case Rcode.SERVFAIL:
      return 'dnsServerFailure';
    default:
      return 'dnsFailed';
  }
}

function updateRcodeMessage(rcode: number, at: string, what: string, zone: string): string {
  const name = rcodeName(rcode);
  switch (rcode) {
    case Rcode.REFUSED:
      return `DNS server ${at} refused ${what} (${name}): its policy does not let this key update "${zone}", or it does not serve that zone`;
    case Rcode.NOTAUTH:
      return `DNS server ${at} rejected ${what} (${name}): it is not authoritative for "${zone}"`;
    case Rcode.NOTZONE:
      return `DNS server ${at} rejected ${what} (${name}): a name of the update is outside "${zone}"`;
    case Rcode.SERVFAIL:
      return `DNS server ${at} failed ${what} (${name}): see the server's log`;
    default:
      return `DNS server ${at} rejected ${what} (${name})`;
  }
}
