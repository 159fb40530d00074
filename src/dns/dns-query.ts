/**
 * Queries sent straight to one (authoritative) server, never through a recursive resolver: the SOA that
 * finds the zone of a name, the NS of a zone, TXT and CNAME at a name. NXDOMAIN and NODATA are answers (an
 * empty list); REFUSED, SERVFAIL, NOTAUTH and timeouts are `DnsError`s.
 */
import { randomInt } from 'node:crypto';
import { Opcode, Rcode, RecordClass, RecordType, rcodeName, recordTypeName } from './dns-codes.js';
import { DnsError } from './dns-error.js';
import { exchange, type ExchangeOptions } from './dns-exchange.js';
import { encodeMessage, type DecodedMessage, type DnsMessage, type DnsRecord } from './dns-message.js';
import { sameName } from './dns-name.js';
import { formatServer, type DnsServer } from './dns-transport.js';

export type QueryOptions = ExchangeOptions;

/** A query for `type` records at `name`, class IN, without recursion (an authoritative server is asked). */
export function queryMessage(id: number, name: string, type: number): DnsMessage {
  return {
    id,
    response: false,
    opcode: Opcode.QUERY,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    rcode: 0,
    questions: [{ name, type, recordClass: RecordClass.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/** Asks `server` for `type` records at `name` (class IN, no recursion) and returns its answer. */
export async function queryDns(
  server: DnsServer,
  name: string,
  type: number,
  options: QueryOptions = {},
): Promise<DecodedMessage> {
  const wire = encodeMessage(queryMessage(randomInt(0x10000), name, type));
  const what = `the ${recordTypeName(type)} query for "${name}"`;
  const { message } = await exchange(server, wire, options, { what });
  const question = message.questions[0];
  if (question !== undefined && (!sameName(question.name, name) || question.type !== type)) {
    throw new DnsError(`DNS server ${formatServer(server)} answered ${what} with a different question`, {
      code: 'dnsMalformedResponse',
      server: formatServer(server),
    });
  }
  if (message.rcode !== Rcode.NOERROR && message.rcode !== Rcode.NXDOMAIN) {
    throw rcodeError(message.rcode, formatServer(server), what);
  }
  return message;
}

function rcodeError(rcode: number, server: string, what: string): DnsError {
  const code =
    rcode === Rcode.REFUSED
      ? 'dnsRefused'
      : rcode === Rcode.SERVFAIL
        ? 'dnsServerFailure'
        : rcode === Rcode.NOTAUTH
          ? 'dnsNotAuth'
          : 'dnsFailed';
  return new DnsError(`DNS server ${server} answered ${what} with ${rcodeName(rcode)}`, {
    code,
    server,
    rcode,
  });
}

function recordsAt(records: readonly DnsRecord[], name: string): DnsRecord[] {
  return records.filter((record) => sameName(record.name, name));
}

/**
 * The zone that contains `name` on `server`, in lower case: the owner of the SOA in the answer (when `name` is a zone apex)
 * or in the authority section (RFC 2308 §2: negative and NODATA answers carry the zone's SOA).
 */
export async function findZone(server: DnsServer, name: string, options: QueryOptions = {}): Promise<string> {
  let message: DecodedMessage;
  try {
    message = await queryDns(server, name, RecordType.SOA, options);
  } catch (error) {
    if (error instanceof DnsError && (error.code === 'dnsRefused' || error.code === 'dnsNotAuth')) {
      throw new DnsError(
        `DNS server ${error.server} serves no zone that contains "${name}" (it answered ${rcodeName(error.rcode ?? 0)})`,
        { code: 'dnsZoneNotFound', server: error.server, cause: error },
      );
    }
    throw error;
  }
  const soa =
    message.answers.find((record) => record.data.type === 'SOA') ??
    message.authorities.find((record) => record.data.type === 'SOA');
  if (soa === undefined || !message.authoritative) {
    const server_ = formatServer(server);
    const why = message.authorities.some((record) => record.data.type === 'NS')
      ? 'it refers to another server (the name is delegated)'
      : 'its answer has no SOA record';
    throw new DnsError(
      `DNS server ${server_} is not authoritative for a zone that contains "${name}": ${why}`,
      {
        code: 'dnsZoneNotFound',
        server: server_,
      },
    );
  }
  // Servers echo the question's case in the owner name; zones are compared and configured in lower case.
  return soa.name.toLowerCase();
}

/** The host names of the zone's NS records, as `server` has them. */
export async function lookupNs(
  server: DnsServer,
  zone: string,
  options: QueryOptions = {},
): Promise<string[]> {
  const message = await queryDns(server, zone, RecordType.NS, options);
  return recordsAt(message.answers, zone).flatMap((record) =>
    record.data.type === 'NS' ? [record.data.host] : [],
  );
}

/** The TXT values at `name` (each record's strings joined, RFC 7208 §3.3); empty when there are none. */
export async function lookupTxt(
  server: DnsServer,
  name: string,
  options: QueryOptions = {},
): Promise<string[]> {
  const message = await queryDns(server, name, RecordType.TXT, options);
  return recordsAt(message.answers, name).flatMap((record) =>
    record.data.type === 'TXT' ? [record.data.strings.join('')] : [],
  );
}

/** The target of the CNAME at `name`, or undefined when `name` has none. */
export async function lookupCname(
  server: DnsServer,
  name: string,
  options: QueryOptions = {},
): Promise<string | undefined> {
  const message = await queryDns(server, name, RecordType.CNAME, options);
  for (const record of recordsAt(message.answers, name)) {
    if (record.data.type === 'CNAME') return record.data.target;
  }
  return undefined;
}
