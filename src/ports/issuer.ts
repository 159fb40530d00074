import type { ChallengeType } from '../domain/host-name.js';
import type { GatewayChallengeTarget } from '../domain/gateway-types.js';
import type { ClassSource, IssuanceRecord } from '../domain/types.js';

/** How a certificate's challenges are routed: the provider and the class of its Ingress. */
export interface RouteTarget {
  readonly provider: string;
  readonly ingressClass: string;
  readonly classSource: ClassSource;
  /** `namespace/name` of the Ingresses the certificate comes from. */
  readonly ingresses: readonly string[];
  /** The challenge of the names that are not wildcards (wildcards always use dns-01); absent: http-01. */
  readonly challenge?: ChallengeType;
  /** For a certificate from Gateway listeners: the HTTP listeners the challenge HTTPRoute attaches to. */
  readonly gatewayChallenge?: GatewayChallengeTarget;
}

/** One certificate to obtain: all names of one `spec.tls[]` entry, in one order (never a subset). */
export interface IssueRequest {
  readonly hosts: readonly string[];
  readonly route: RouteTarget;
  /** The ACME profile to order (`kube-lego/profile` or `LEGO_ACME_PROFILE`); absent: the issuer's default. */
  readonly profile?: string;
  /** An order persisted on the Secret by an earlier attempt. */
  readonly resumeOrderUrl?: string;
  /**
   * The private key persisted with `resumeOrderUrl` before that order was finalized: a resumed order that is
   * already `processing` or `valid` is completed with it instead of opening a new order.
   */
  readonly resumeKeyPem?: string;
  /**
   * Persists the fresh private key before the order is finalized (never logged; no write when `onOrder`
   * persisted it already); when it throws the order is not finalized. Not called when the order goes on
   * with `resumeKeyPem`.
   */
  readonly onKey: (privateKeyPem: string) => Promise<void>;
  /**
   * The certificate being renewed: sent as ARI `replaces` when the CA offers ARI and `replacesRecord` says
   * this directory issued it to this account (see `replacesClaim`).
   */
  readonly replacesCertPem?: string;
  /** The issuance record of the Secret holding `replacesCertPem`. */
  readonly replacesRecord?: IssuanceRecord;
  /** Told each name whose authorization became valid (kube-lego's `authorization successful` line). */
  readonly onAuthorized?: (host: string) => void;
  /**
   * Persists the order URL before any challenge is answered. `freshKeyPem` is the key the order will be
   * finalized with when it is a fresh one (never logged): persisted in the same write, it spares `onKey`'s.
   */
  readonly onOrder: (orderUrl: string, freshKeyPem?: string) => Promise<void>;
  readonly signal: AbortSignal;
}

/** The issued certificate and its fresh private key, ready for `tls.crt` and `tls.key`. */
export interface IssuedMaterial {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly orderUrl: string;
  /** The issued certificate's validity, read from it. */
  readonly validity: { readonly notBeforeMs: number; readonly notAfterMs: number };
  /** The account that ordered it, for the issuance record. */
  readonly accountUrl: string | undefined;
  /** Its ARI CertID, for the issuance record; `undefined` when it has no Authority Key Identifier. */
  readonly certId: string | undefined;
}

/** The ACME side (CertificateIssuer). */
export interface Issuer {
  issue(request: IssueRequest): Promise<IssuedMaterial>;
}
