import type { GatewayChallengeTarget } from './gateway-types.js';
import type { ChallengeType } from './host-name.js';
import type { CertificateSource, SourceRef } from './types.js';

/**
 * One source's claim on a Secret: an Ingress `spec.tls[]` entry, or the listeners of a Gateway (or of a
 * ListenerSet attached to it) naming the Secret. Claims of every kind are merged by the same rule: a
 * Secret claimed with different hosts, providers, challenge routes or profiles is reported on every claimant and
 * not issued at all.
 */
export interface CertificateClaim {
  readonly source: CertificateSource;
  readonly hosts: readonly string[];
  readonly provider: string;
  readonly class: string;
  /** The challenge of the names that are not wildcards (`kube-lego/challenge`, `LEGO_DNS01_DEFAULT`); absent: http-01. */
  readonly challenge?: ChallengeType;
  /** The ACME profile its source names (`kube-lego/profile`); absent: `LEGO_ACME_PROFILE`, or the CA's default. */
  readonly profile?: string;
  /** For Gateway listeners: the HTTP listeners the challenges are routed through. */
  readonly gatewayChallenge?: GatewayChallengeTarget;
}

/** The provider name of certificates from Gateway listeners: challenges are routed by an HTTPRoute. */
export const GATEWAY_PROVIDER = 'gateway';

/** `ingress "ns/name"`, `gateway "ns/name"` or `listenerset "ns/name"`, as messages name a source. */
export function describeSourceObject(ref: SourceRef): string {
  return `${ref.kind.toLowerCase()} "${ref.namespace}/${ref.name}"`;
}

/** The entry a claim comes from: `ingress "ns/web" spec.tls[0]` or `gateway "ns/gw" listener "https"`. */
export function describeSource(source: CertificateSource): string {
  const where =
    source.listener === undefined ? `spec.tls[${source.tlsIndex}]` : `listener "${source.listener}"`;
  return `${describeSourceObject(source)} ${where}`;
}

/** Whether two claims route their challenges the same way (the same Gateway, or both not a Gateway). */
export function sameChallengeRoute(a: CertificateClaim, b: CertificateClaim): boolean {
  const ga = a.gatewayChallenge?.gateway;
  const gb = b.gatewayChallenge?.gateway;
  return ga?.namespace === gb?.namespace && ga?.name === gb?.name;
}
