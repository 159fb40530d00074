import { KubeLegoError, type Reaction } from '../domain/kube-lego-error.js';

/**
 * A DNS message or name that cannot be encoded or decoded: a name too long, a bad escape, a truncated or
 * malformed answer. When it is about a server's answer, the caller wraps it naming the server.
 */
export class DnsFormatError extends KubeLegoError {
  override readonly name = 'DnsFormatError';
  readonly code = 'dnsFormat';
  /** A name kube-lego was given or a server's malformed answer: the input must change. */
  override get reaction(): Reaction {
    return { kind: 'giveUp', reason: 'ChallengeFailed' };
  }
}
