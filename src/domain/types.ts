import type { ChallengeType } from './host-name.js';
import type { GatewayChallengeTarget } from './gateway-types.js';

// Plain data views the pure core works on. No Kubernetes client types appear here: adapters copy the
// fields they read into these shapes, so the core can be tested with literals and reused by every
// source of desired certificates (Ingress today, Gateway API later).

/** `namespace/name` of a TLS Secret: the unit of work of the controller. */
export type SecretKey = `${string}/${string}`;

/** Builds the key of the Secret `name` in `namespace`. */
export function secretKey(namespace: string, name: string): SecretKey {
  return `${namespace}/${name}`;
}

/**
 * A reference to the object a desired certificate comes from (Events are recorded on it): an Ingress
 * today, any other source kind (Gateway) by its own apiVersion and kind.
 */
export interface SourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

/** A backend as in networking.k8s.io/v1 (a Service port or a typed resource). */
export interface IngressBackendView {
  readonly service?: {
    readonly name: string;
    readonly port: { readonly number?: number; readonly name?: string };
  };
  readonly resource?: { readonly apiGroup?: string; readonly kind: string; readonly name: string };
}

/** One HTTP path of an Ingress rule. */
export interface IngressPathView {
  readonly path?: string;
  readonly pathType: string;
  readonly backend: IngressBackendView;
}

/** One Ingress rule: the gce provider edits these in place, so every field must round-trip. */
export interface IngressRuleView {
  readonly host?: string;
  readonly http?: { readonly paths: readonly IngressPathView[] };
}

/** One `spec.tls[]` entry. */
export interface IngressTlsView {
  readonly hosts?: readonly string[];
  readonly secretName?: string;
}

/** The fields of an Ingress the core reads. */
export interface IngressView {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ingressClassName?: string;
  readonly tls: readonly IngressTlsView[];
  readonly rules: readonly IngressRuleView[];
}

/** What the x509 inspector found in a Secret's `tls.crt` (and whether `tls.key` matches it). */
export interface CertInfo {
  /** DNS subject alternative names, lower-cased. */
  readonly dnsNames: readonly string[];
  /** IP address subject alternative names in their textual form. */
  readonly ipAddresses: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly issuerCn: string;
  readonly selfSigned: boolean;
  readonly keyMatchesCert: boolean;
}

/** Which source decided the ingress class: kube-lego's default, the legacy annotation or the spec field. */
export type ClassSource = 'ingressClassName' | 'annotation' | 'default';

/**
 * A reference to the `spec.tls[]` entry (or, for a Gateway or ListenerSet, the listener) a desired
 * certificate comes from.
 */
export interface CertificateSource extends SourceRef {
  /** Index in `spec.tls` of an Ingress, or in `spec.listeners` of a Gateway or ListenerSet. */
  readonly tlsIndex: number;
  readonly classSource: ClassSource;
  /** The listener's name, for a Gateway or ListenerSet. */
  readonly listener?: string;
}

/** A certificate that should exist: one per distinct `spec.tls[]` entry. */
export interface DesiredCertificate {
  readonly key: SecretKey;
  readonly namespace: string;
  readonly secretName: string;
  /** Lower-cased, de-duplicated, in the order of the first source. The first one becomes the CN. */
  readonly hosts: readonly string[];
  /** Every Ingress entry that asks for this certificate, sorted by namespace, name and index. */
  readonly sources: readonly CertificateSource[];
  readonly provider: string;
  readonly class: string;
  /**
   * `dns-01` when the names that are not wildcards are proven over dns-01 (`kube-lego/challenge` or
   * `LEGO_DNS01_DEFAULT`); absent: http-01. Wildcards always use dns-01 (`challengeForName`).
   */
  readonly challenge?: ChallengeType;
  /** For a certificate from Gateway listeners: the HTTP listeners its http-01 challenges are routed through. */
  readonly gatewayChallenge?: GatewayChallengeTarget;
  /** The ACME profile to order (`kube-lego/profile`, else `LEGO_ACME_PROFILE`); absent: the CA's default. */
  readonly profile?: string;
}

/** An ARI (RFC 9773) suggested renewal window. */
export interface RenewalWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Stable codes for why an issuance attempt failed; persisted on the Secret. */
export type FailureReason =
  | 'RateLimited'
  /** The CA could not be reached or said it is unavailable: waited for, never counted as a failure. */
  | 'CaUnavailable'
  | 'ChallengeFailed'
  | 'SelfCheckFailed'
  | 'OrderFailed'
  | 'OrderRefused'
  | 'AccountFailed'
  | 'SecretWriteFailed'
  | 'Timeout'
  | 'Unknown';

/**
 * The issuance state kube-lego persists as annotations on the Secrets it manages: it is our `status`,
 * so a restart never resets a backoff or opens a second order.
 */
export interface IssuanceRecord {
  /** Hosts of the last issuance or attempt. */
  readonly hosts?: readonly string[];
  /** ACME directory that issued the current certificate. */
  readonly directoryUrl?: string;
  /** The ACME profile it was ordered with; absent: none named (or a Secret written before it was recorded). */
  readonly profile?: string;
  /** The ACME account that ordered it (absent on Secrets written before it was recorded). */
  readonly accountUrl?: string;
  /** ARI CertID (RFC 9773 §4.1: issuer key id and serial) of the certificate kube-lego stored. */
  readonly certId?: string;
  /** notAfter of the certificate the renewal time was chosen for. */
  readonly notAfterMs?: number;
  /** The renewal time chosen for that certificate (whole seconds). */
  readonly renewAtMs?: number;
  readonly ariWindow?: RenewalWindow;
  /** The CA's explanation of that window (ARI `explanationURL`), when it gave one. */
  readonly ariExplanationUrl?: string;
  readonly failures: number;
  readonly lastFailureMs?: number;
  readonly lastFailureReason?: FailureReason;
  readonly retryNotBeforeMs?: number;
  /** URL of an order that was opened and not finished: resumed instead of opening a new one. */
  readonly orderUrl?: string;
  /**
   * Set by a user (`kube-lego renew`, or by hand) to ask for one early renewal. Cleared by the next
   * attempt, whatever its outcome, so a failing forced renewal falls back to the normal backoff.
   */
  readonly renewRequestedMs?: number;
  /** `namespace/name` of the Ingresses the certificate was issued for. */
  readonly ingresses?: readonly string[];
}

/** Why a Secret that kube-lego did not create may still be replaced. */
export type AdoptableWhy = 'SelfSigned' | 'Expired' | 'NotCoveringHosts' | 'Unparseable';

/** Why a Secret is never touched. */
export type ForeignReason = 'WrongType' | 'ExtraDataKeys' | 'ValidForeignCertificate';

/** A Secret as the core sees it, for one desired certificate. */
export type ObservedSecret =
  | { readonly state: 'absent' }
  | { readonly state: 'foreign'; readonly reason: ForeignReason; readonly message: string }
  | { readonly state: 'adoptable'; readonly why: AdoptableWhy; readonly cert?: CertInfo }
  | { readonly state: 'unparseable'; readonly problem: string; readonly record: IssuanceRecord }
  | { readonly state: 'present'; readonly cert: CertInfo; readonly record: IssuanceRecord };

/** The result of reading `tls.crt` (and `tls.key`) of a Secret. */
export type CertParse =
  | { readonly state: 'missing' }
  | { readonly state: 'invalid'; readonly problem: string }
  | { readonly state: 'parsed'; readonly info: CertInfo };

/** The fields of a Secret the core reads. Data values never enter the core, only their keys. */
export interface SecretSnapshot {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly dataKeys: readonly string[];
  readonly certificate: CertParse;
}
