import { KubeLegoError, type Reaction } from '../../domain/kube-lego-error.js';

export type Dns01ErrorCode =
  /** `_acme-challenge` CNAMEs that come back to a name already followed. */
  | 'dns01CnameLoop'
  /** More CNAMEs in a row than `MAX_CNAME_DEPTH`. */
  | 'dns01CnameTooDeep'
  /** The record to write (after CNAMEs) is in none of `LEGO_DNS01_ZONES`. */
  | 'dns01OutsideZones'
  /** Not every authoritative nameserver answered the TXT record within `LEGO_DNS01_PROPAGATION_TIMEOUT`. */
  | 'dns01PropagationTimeout';

/** A dns-01 failure of kube-lego's own checks; the DNS server's answers are `DnsError`s. */
export class Dns01Error extends KubeLegoError {
  override readonly name = 'Dns01Error';
  readonly code: Dns01ErrorCode;

  constructor(code: Dns01ErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** A CNAME loop or a record outside the zones needs a DNS or configuration change; slow secondaries may catch up. */
  override get reaction(): Reaction {
    switch (this.code) {
      case 'dns01CnameLoop':
      case 'dns01CnameTooDeep':
      case 'dns01OutsideZones':
        return { kind: 'giveUp', reason: 'ChallengeFailed' };
      case 'dns01PropagationTimeout':
        return { kind: 'backOff', reason: 'Timeout' };
    }
  }
}
