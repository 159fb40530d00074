import type { DesiredProblemCode } from './desired.js';

// Kubernetes Event reasons and log contexts: closed sets in one module, so alerting rules written
// against them keep matching. The log contexts are kube-lego 0.1.7's `context` field values.

/** Every Kubernetes Event reason kube-lego emits. */
export const EVENT_REASONS = [
  'CertificateIssued',
  'CertificateRenewed',
  'IssuanceFailed',
  'RateLimited',
  'BackingOff',
  'SecretConflict',
  'ForeignSecret',
  'InvalidIngress',
  'UnsupportedProvider',
  'MinimumValidityIgnored',
  'SecretAdopted',
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
  BackingOff: 'Warning',
  SecretConflict: 'Warning',
  ForeignSecret: 'Warning',
  InvalidIngress: 'Warning',
  UnsupportedProvider: 'Warning',
  MinimumValidityIgnored: 'Warning',
  SecretAdopted: 'Normal',
});

/** kube-lego's log contexts. */
export const LOG_CONTEXTS = ['kubelego', 'ingress', 'ingress_tls', 'secret', 'acme', 'provider'] as const;

/** A log `context` field value. */
export type LogContext = (typeof LOG_CONTEXTS)[number];

/** The Event reason a desired-state problem is reported with. */
export function problemEventReason(code: DesiredProblemCode): EventReason {
  switch (code) {
    case 'SecretConflict':
      return 'SecretConflict';
    case 'UnsupportedProvider':
      return 'UnsupportedProvider';
    case 'NoHosts':
    case 'EmptySecretName':
    case 'TooManyNames':
    case 'WildcardNeedsDns01':
    case 'InvalidHostName':
    case 'IpAddressNotSupported':
      return 'InvalidIngress';
  }
}
