/**
 * The typed failures of DNS queries and updates. Each names the server, and the zone and TSIG key when there is
 * one, never the secret. Callers branch on `code`, never on the message.
 */
import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';

export type DnsErrorCode =
  /** RCODE REFUSED: the server does not serve the zone, or its policy (ACL) refuses this key or client. */
  | 'dnsRefused'
  /** RCODE NOTAUTH without a TSIG error: the server is not authoritative for the zone. */
  | 'dnsNotAuth'
  /** RCODE NOTZONE: a name of the update is not in the zone named in the zone section. */
  | 'dnsNotZone'
  | 'dnsServerFailure'
  /** TSIG error BADSIG: the server knows the key name but the secret differs. */
  | 'dnsBadSignature'
  /** TSIG error BADKEY: the server has no key of that name and algorithm (Knot also says so when its ACL denies the key). */
  | 'dnsBadKey'
  /** TSIG error BADTIME: the clocks differ by more than the fudge; `clockOffsetSeconds` says by how much. */
  | 'dnsBadTime'
  /** The answer to a signed request is unsigned, or its signature does not verify. */
  | 'dnsUnauthenticatedResponse'
  /** No answer before the deadline (or the caller's signal). */
  | 'dnsTimeout'
  /** The server could not be reached (connection refused, network unreachable, reset). */
  | 'dnsUnreachable'
  /** No SOA found above a name: the server serves no zone that contains it. */
  | 'dnsZoneNotFound'
  /** The answer could not be decoded or does not answer the question. */
  | 'dnsMalformedResponse'
  /** Any other RCODE (FORMERR, NOTIMP, YXRRSET, ...): `rcode` says which. */
  | 'dnsFailed';

export interface DnsErrorInit {
  readonly code: DnsErrorCode;
  /** `host:port` of the server. */
  readonly server: string;
  readonly zone?: string;
  readonly keyName?: string;
  /** The header RCODE, or the TSIG error field when that is set. */
  readonly rcode?: number;
  /** Server clock minus ours, from a BADTIME answer; positive when our clock is behind. */
  readonly clockOffsetSeconds?: number;
  readonly cause?: unknown;
}

export class DnsError extends KubeLegoError {
  override readonly name = 'DnsError';
  readonly code: DnsErrorCode;
  readonly server: string;
  readonly zone: string | undefined;
  readonly keyName: string | undefined;
  readonly rcode: number | undefined;
  readonly clockOffsetSeconds: number | undefined;

  constructor(message: string, init: DnsErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.server = init.server;
    this.zone = init.zone;
    this.keyName = init.keyName;
    this.rcode = init.rcode;
    this.clockOffsetSeconds = init.clockOffsetSeconds;
  }

  /**
   * Wrong keys, zones and server policies do not mend themselves: give up until the configuration changes.
   * A clock offset, a failing or unreachable server, a timeout or a garbled answer may: back off.
   */
  override get reaction(): Reaction {
    switch (this.code) {
      case 'dnsRefused':
      case 'dnsNotAuth':
      case 'dnsNotZone':
      case 'dnsBadSignature':
      case 'dnsBadKey':
      case 'dnsZoneNotFound':
        return { kind: 'giveUp', reason: 'ChallengeFailed' };
      case 'dnsTimeout':
        return { kind: 'backOff', reason: 'Timeout' };
      case 'dnsBadTime':
      case 'dnsServerFailure':
      case 'dnsUnauthenticatedResponse':
      case 'dnsUnreachable':
      case 'dnsMalformedResponse':
      case 'dnsFailed':
        return { kind: 'backOff', reason: 'ChallengeFailed' };
    }
  }
}
