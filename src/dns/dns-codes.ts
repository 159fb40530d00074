/**
 * The numbers of the DNS wire format kube-lego speaks (RFC 1035 §3.2, RFC 2136 §1.3 and §2.2, RFC 3596,
 * RFC 8945 §4.2 and §4.3), with their mnemonics for messages.
 */

/** RR TYPE values (RFC 1035 §3.2.2, AAAA: RFC 3596, TSIG: RFC 8945). */
export const RecordType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TSIG: 250,
  ANY: 255,
} as const;

/** CLASS values: IN, and NONE/ANY with their RFC 2136 meanings in UPDATE messages (§2.4, §2.5). */
export const RecordClass = {
  IN: 1,
  NONE: 254,
  ANY: 255,
} as const;

/** OPCODE values (RFC 1035 §4.1.1, UPDATE: RFC 2136 §1.3). */
export const Opcode = {
  QUERY: 0,
  UPDATE: 5,
} as const;

/**
 * RCODE values: the header's 4 bits (RFC 1035 §4.1.1, RFC 2136 §2.2) and the TSIG error field's extended
 * codes (RFC 8945 §4.3, RFC 6895 §2.3).
 */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));
const typeNames = new Map<number, string>(Object.entries(RecordType).map(([name, code]) => [code, name]));

/** `NOTAUTH`, `BADSIG`, ... or `RCODE<n>` for a code kube-lego has no name for. */
export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? `RCODE${code}`;
}

/** `TXT`, `SOA`, ... or `TYPE<n>` (the RFC 3597 notation) for other types. */
export function recordTypeName(code: number): string {
  return typeNames.get(code) ?? `TYPE${code}`;
}
