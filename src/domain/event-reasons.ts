import type { RenewalWhy } from './decide.js';
import type { DesiredProblemCode } from './desired.js';

// Kubernetes Event reasons: a closed set in one module, so alerting rules written against them keep
// matching. The log `context` values (kube-lego 0.1.7's) are the log module's LOG_CONTEXTS.

/** Every Kubernetes Event reason kube-lego emits. */
export const EVENT_REASONS = [
  'CertificateIssued',
  'CertificateRenewed',
  'IssuanceFailed',
  'RateLimited',
  'CaUnavailable',
  'BackingOff',
  'SecretConflict',
  'ForeignSecret',
  'InvalidIngress',
  'InvalidListener',
  'ReferenceNotGranted',
  'UnsupportedProvider',
  'MinimumValidityIgnored',
  'SecretAdopted',
  'UntrustedAnnotation',
  'TemporaryCertificateIssued',
  'CertificateServed',
  'CertificateNotServed',
  'CertificateNotCheckable',
] as const;

/** A Kubernetes Event reason. */
export type EventReason = (typeof EVENT_REASONS)[number];

/** Event type as in core/v1 Events. */
export type EventType = 'Normal' | 'Warning';

/** The Event type each reason is recorded with. */
export const EVENT_TYPES: Readonly<Record<EventReason, EventType>> = Object.freeze({
  CertificateIssued: 'Normal',
  CertificateRenewed: 'Normal',
  IssuanceFailed: 'Warning',
  RateLimited: 'Warning',
  CaUnavailable: 'Warning',
  BackingOff: 'Warning',
  SecretConflict: 'Warning',
  ForeignSecret: 'Warning',
  InvalidIngress: 'Warning',
  InvalidListener: 'Warning',
  ReferenceNotGranted: 'Warning',
  UnsupportedProvider: 'Warning',
  MinimumValidityIgnored: 'Warning',
  SecretAdopted: 'Normal',
  UntrustedAnnotation: 'Warning',
  TemporaryCertificateIssued: 'Normal',
  CertificateServed: 'Normal',
  CertificateNotServed: 'Warning',
  CertificateNotCheckable: 'Normal',
});

/**
 * The Event reason a desired-state problem is reported with; `sourceKind` is the kind of the object it is
 * recorded on (an entry of a Gateway or a ListenerSet is an `InvalidListener`).
 */
export function problemEventReason(code: DesiredProblemCode, sourceKind = 'Ingress'): EventReason {
  switch (code) {
    case 'SecretConflict':
      return 'SecretConflict';
    case 'UnsupportedProvider':
      return 'UnsupportedProvider';
    case 'ReferenceNotGranted':
      return 'ReferenceNotGranted';
    case 'NoHttpListener':
    case 'ListenerSetNotAllowed':
      return 'InvalidListener';
    case 'NoHosts':
    case 'EmptySecretName':
    case 'TooManyNames':
    case 'WildcardNeedsDns01':
    case 'InvalidHostName':
    case 'IpAddressNotSupported':
    case 'InvalidChallenge':
    case 'InvalidProfile':
    case 'Dns01NotConfigured':
      return sourceKind === 'Ingress' ? 'InvalidIngress' : 'InvalidListener';
  }
}

/** Why a renewal happened, as the `CertificateRenewed` Event (and `kube-lego explain`) says it. */
export const RENEWAL_TEXT: Readonly<Record<RenewalWhy, string>> = Object.freeze({
  requested: 'renewal was requested with the kube-lego/renew-requested annotation',
  expired: 'the previous certificate had expired',
  ariWindow: "the time kube-lego chose inside the CA's suggested renewal window (ARI) had come",
  lifetime: "two thirds of the previous certificate's lifetime had passed (half for lifetimes under 10 days)",
  minimumValidity: 'the previous certificate was within LEGO_MINIMUM_VALIDITY of its expiry',
});
