import { onDirectoryOrigin } from './acme-origin.js';
import type { LogFields } from './log-fields.js';
import { coversHosts } from './observe-secret.js';
import { describeProfile } from './profile-choice.js';
import { renewalSchedule, type RenewalBasis, type RenewalSchedule } from './renewal.js';
import { ANNOTATIONS, formatTime } from './secret-annotations.js';
import type { CertInfo, DesiredCertificate, IssuanceRecord, ObservedSecret } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The settings decide() needs; filled by the composition root from config. */
export interface DecisionPolicy {
  /** The ACME directory in use: a certificate recorded as issued by another one is reissued. */
  readonly directoryUrl: string;
  /** `LEGO_MINIMUM_VALIDITY` in milliseconds. */
  readonly minimumValidityMs: number;
  /**
   * `LEGO_ACME_PROFILE`: the profile a certificate without a recorded one is taken to have been ordered with,
   * so Secrets written before profiles were recorded are not all re-issued at once.
   */
  readonly profile?: string | undefined;
}

/** Why a certificate is (re)issued. */
export type IssueReason =
  | 'SecretMissing'
  | 'SecretUnparseable'
  | 'Adopting'
  | 'HostsNotCovered'
  | 'HostsChanged'
  | 'KeyMismatch'
  | 'SelfSigned'
  | 'DirectoryChanged'
  | 'ProfileChanged'
  | 'Expired'
  | 'RenewalDue'
  | 'RenewRequested';

/** Why a certificate that was valid is renewed: what the renewal Event says. */
export type RenewalWhy = 'requested' | 'expired' | RenewalBasis;

/** Why nothing is done now. */
export type WaitWhy = 'RenewalScheduled' | 'BackingOff' | 'RateLimited' | 'CaUnavailable';

/** Why a certificate is never issued into its Secret. */
export type SkipReason = 'ForeignSecret';

/** A warning that accompanies a decision once per certificate. */
export interface DecisionWarning {
  readonly code: 'MinimumValidityIgnored';
  readonly message: string;
}

/** What the executor writes on the Secret while waiting (the renewal time, chosen once). */
export interface RecordPatch {
  readonly notAfterMs: number;
  readonly renewAtMs: number;
}

interface DecisionText {
  /** kube-lego's log line (`no cert associated with ingress`, ...), `ingress_tls` context. */
  readonly message: string;
  /** A full sentence for Events and `explain`. */
  readonly detail: string;
  readonly fields: LogFields;
}

/** The pure outcome for one desired certificate. */
export type Decision =
  | (DecisionText & {
      readonly kind: 'issue';
      readonly reason: IssueReason;
      /** Set when the certificate being replaced was valid and ours: a renewal, and why. */
      readonly renewal?: RenewalWhy;
      /** An order opened before a restart, for the same hosts: resume it instead of opening a new one. */
      readonly resumeOrderUrl?: string;
      /** A recorded order URL off the ACME directory's origin: never requested, reported once per value. */
      readonly untrustedOrderUrl?: { readonly value: string; readonly message: string };
    })
  | (DecisionText & {
      readonly kind: 'wait';
      readonly why: WaitWhy;
      readonly untilMs: number;
      readonly persist?: RecordPatch;
      readonly warnings: readonly DecisionWarning[];
    })
  | (DecisionText & { readonly kind: 'skip'; readonly reason: SkipReason });

function sameHostSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((host) => b.includes(host));
}

/**
 * The order to resume: the recorded one when it is for the same hosts and on the ACME directory's own
 * origin. An order URL anywhere else is ignored (a new order is opened) and reported: following it would
 * send a signed request wherever whoever annotated the Secret chose (an SSRF through an annotation).
 */
function resumeOf(
  want: DesiredCertificate,
  record: IssuanceRecord | undefined,
  directoryUrl: string,
): Pick<Extract<Decision, { kind: 'issue' }>, 'resumeOrderUrl' | 'untrustedOrderUrl'> {
  const orderUrl = record?.orderUrl;
  if (orderUrl === undefined) return {};
  const trust = onDirectoryOrigin(orderUrl, directoryUrl);
  if (!trust.trusted) {
    return {
      untrustedOrderUrl: {
        value: orderUrl,
        message: `Ignoring annotation ${ANNOTATIONS.orderUrl} "${orderUrl}" on secret "${want.key}": ${trust.why}; opening a new order instead`,
      },
    };
  }
  return record?.hosts !== undefined && sameHostSet(record.hosts, want.hosts)
    ? { resumeOrderUrl: orderUrl }
    : {};
}

function issue(
  want: DesiredCertificate,
  reason: IssueReason,
  text: { message: string; detail: string; fields?: LogFields; renewal?: RenewalWhy },
  context?: { readonly record: IssuanceRecord; readonly directoryUrl: string },
): Decision {
  const resume = context === undefined ? {} : resumeOf(want, context.record, context.directoryUrl);
  return {
    kind: 'issue',
    reason,
    message: text.message,
    detail: text.detail,
    fields: { domains: want.hosts, ...text.fields },
    ...(text.renewal === undefined ? {} : { renewal: text.renewal }),
    ...resume,
  };
}

/** The backoff gate: a recorded failure delays the next attempt, unless the hosts changed since (a rate limit always holds). */
function backoff(want: DesiredCertificate, record: IssuanceRecord, nowMs: number): Decision | undefined {
  const until = record.retryNotBeforeMs;
  if (until === undefined || until <= nowMs) return undefined;
  const rateLimited = record.lastFailureReason === 'RateLimited';
  // The CA being down holds for any hosts too: a new host set would only reach the same absent CA.
  const unavailable = record.lastFailureReason === 'CaUnavailable';
  const hostsChanged = record.hosts !== undefined && !sameHostSet(record.hosts, want.hosts);
  const forced = record.renewRequestedMs !== undefined && record.renewRequestedMs <= nowMs;
  if ((hostsChanged || forced) && !rateLimited && !unavailable) return undefined;
  const reason = record.lastFailureReason ?? 'Unknown';
  const hosts = want.hosts.join(', ');
  const detail = rateLimited
    ? `Waiting until ${formatTime(until)} to request a certificate for ${hosts}: the CA rate-limited the last request`
    : unavailable
      ? `Waiting until ${formatTime(until)} to request a certificate for ${hosts}: the CA was unavailable (not counted as a failure)`
      : `Waiting until ${formatTime(until)} to retry the certificate for ${hosts}: ${record.failures} consecutive failure(s), last reason ${reason}`;
  return {
    kind: 'wait',
    why: rateLimited ? 'RateLimited' : unavailable ? 'CaUnavailable' : 'BackingOff',
    untilMs: until,
    message: rateLimited
      ? 'cert request rate limited, waiting'
      : unavailable
        ? 'CA unavailable, waiting'
        : 'cert request failed before, backing off',
    detail,
    fields: { domains: want.hosts, retry_not_before: formatTime(until), failures: record.failures },
    warnings: [],
  };
}

function expiryFields(cert: CertInfo): LogFields {
  return { expire_time: formatTime(cert.notAfterMs) };
}

/** The first reason a present certificate must be replaced, before its renewal time is considered. */
function replacementReason(
  want: DesiredCertificate,
  cert: CertInfo,
  record: IssuanceRecord,
  policy: DecisionPolicy,
): { reason: IssueReason; message: string; detail: string } | undefined {
  const hosts = want.hosts.join(', ');
  if (!coversHosts(cert, want.hosts)) {
    return {
      reason: 'HostsNotCovered',
      message: 'cert does not cover all domains',
      detail: `Issuing certificate for ${hosts}: the stored certificate covers only ${cert.dnsNames.join(', ')}`,
    };
  }
  const names = [...cert.dnsNames, ...cert.ipAddresses].map((n) => n.toLowerCase());
  if (!sameHostSet([...new Set(names)], want.hosts)) {
    return {
      reason: 'HostsChanged',
      message: 'cert names differ from the ingress hosts',
      detail: `Issuing certificate for ${hosts}: the stored certificate also names ${names.filter((n) => !want.hosts.includes(n)).join(', ')}`,
    };
  }
  if (!cert.keyMatchesCert) {
    return {
      reason: 'KeyMismatch',
      message: 'cert does not match its private key',
      detail: `Issuing certificate for ${hosts}: tls.key does not match the certificate in tls.crt`,
    };
  }
  if (cert.selfSigned) {
    return {
      reason: 'SelfSigned',
      message: 'cert is self-signed',
      detail: `Issuing certificate for ${hosts}: the stored certificate is a self-signed placeholder`,
    };
  }
  if (record.directoryUrl !== undefined && record.directoryUrl !== policy.directoryUrl) {
    return {
      reason: 'DirectoryChanged',
      message: 'cert was issued by another ACME directory',
      detail: `Issuing certificate for ${hosts}: it was issued by ${record.directoryUrl}, kube-lego now uses ${policy.directoryUrl}`,
    };
  }
  // A profile an Ingress asks for is acted on at once, as changed hosts are: the user asked for another kind
  // of certificate. One that is LEGO_ACME_PROFILE (the annotation removed, or the variable changed) is taken
  // at the next renewal: changing the variable must not re-issue every certificate at once against the CA's
  // rate limits.
  const issuedWith = record.profile ?? policy.profile;
  if (issuedWith !== want.profile && want.profile !== policy.profile) {
    return {
      reason: 'ProfileChanged',
      message: 'cert was issued with another profile',
      detail: `Issuing certificate for ${hosts}: it was issued with ${describeProfile(issuedWith)}, now ${describeProfile(want.profile)} is asked for`,
    };
  }
  return undefined;
}

/** Why a renewal time is when it is, as the decision's detail says it. */
export function renewalBasisText(basis: RenewalBasis): string {
  switch (basis) {
    case 'lifetime':
      return 'two thirds of its lifetime (half for lifetimes under 10 days)';
    case 'minimumValidity':
      return 'LEGO_MINIMUM_VALIDITY before expiry';
    case 'ariWindow':
      return "a time inside the CA's suggested renewal window";
  }
}

/**
 * The one sentence saying LEGO_MINIMUM_VALIDITY is not applied to a certificate (not shorter than half
 * its lifetime: renewing that early would renew on every check), for the log line and the Event.
 */
export function minimumValidityIgnoredMessage(options: {
  readonly minimumValidityMs: number;
  readonly validity: { readonly notBeforeMs: number; readonly notAfterMs: number };
  readonly hosts: readonly string[];
  readonly renewAtMs: number;
}): string {
  const { validity } = options;
  const lifetimeDays = ((validity.notAfterMs - validity.notBeforeMs) / DAY_MS).toFixed(1);
  const minimumDays = (options.minimumValidityMs / DAY_MS).toFixed(1);
  return `Cannot apply LEGO_MINIMUM_VALIDITY of ${minimumDays} days to the certificate for ${options.hosts.join(', ')}: its lifetime is ${lifetimeDays} days and renewing that early would renew on every check, kube-lego renews it at ${formatTime(options.renewAtMs)} instead`;
}

function warningsFor(schedule: RenewalSchedule, cert: CertInfo, policy: DecisionPolicy): DecisionWarning[] {
  if (!schedule.minimumValidityIgnored || schedule.persist === undefined) return [];
  return [
    {
      code: 'MinimumValidityIgnored',
      message: minimumValidityIgnoredMessage({
        minimumValidityMs: policy.minimumValidityMs,
        validity: cert,
        hosts: cert.dnsNames,
        renewAtMs: schedule.renewAtMs,
      }),
    },
  ];
}

function decidePresent(
  want: DesiredCertificate,
  observed: { readonly cert: CertInfo; readonly record: IssuanceRecord },
  nowMs: number,
  options: { readonly policy: DecisionPolicy; readonly random: number },
): Decision {
  const { cert, record } = observed;
  const { policy } = options;
  const replace = replacementReason(want, cert, record, policy);
  const schedule = renewalSchedule(cert, record, policy.minimumValidityMs, options.random);
  const gate = (): Decision | undefined => backoff(want, record, nowMs);
  const resume = { record, directoryUrl: policy.directoryUrl };
  // An order recorded before the profile changed may be of the old profile: a new order is opened instead.
  if (replace)
    return (
      gate() ?? issue(want, replace.reason, replace, replace.reason === 'ProfileChanged' ? undefined : resume)
    );
  if (record.renewRequestedMs !== undefined && record.renewRequestedMs <= nowMs) {
    return (
      gate() ??
      issue(
        want,
        'RenewRequested',
        {
          message: 'cert renewal requested',
          detail: `Renewing certificate for ${want.hosts.join(', ')}: renewal was requested at ${formatTime(record.renewRequestedMs)}`,
          fields: expiryFields(cert),
          renewal: 'requested',
        },
        resume,
      )
    );
  }
  if (cert.notAfterMs <= nowMs || schedule.renewAtMs <= nowMs) {
    const expired = cert.notAfterMs <= nowMs;
    return (
      gate() ??
      issue(
        want,
        expired ? 'Expired' : 'RenewalDue',
        {
          message: 'cert expires soon so renew',
          detail: expired
            ? `Renewing certificate for ${want.hosts.join(', ')}: it expired at ${formatTime(cert.notAfterMs)}`
            : `Renewing certificate for ${want.hosts.join(', ')}: its renewal time ${formatTime(schedule.renewAtMs)}, ${renewalBasisText(schedule.basis)}, has passed`,
          fields: expiryFields(cert),
          renewal: expired ? 'expired' : schedule.basis,
        },
        resume,
      )
    );
  }
  const days = ((cert.notAfterMs - nowMs) / DAY_MS).toFixed(1);
  return {
    kind: 'wait',
    why: 'RenewalScheduled',
    untilMs: schedule.renewAtMs,
    message: `cert expires in ${days} days, no renewal needed`,
    detail: `Certificate for ${want.hosts.join(', ')} is valid until ${formatTime(cert.notAfterMs)}; renewal at ${formatTime(schedule.renewAtMs)}, ${renewalBasisText(schedule.basis)}`,
    fields: { ...expiryFields(cert), renew_at: formatTime(schedule.renewAtMs) },
    warnings: warningsFor(schedule, cert, policy),
    ...(schedule.persist ? { persist: schedule.persist } : {}),
  };
}

/**
 * Decides what to do about one desired certificate given its observed Secret: issue (missing,
 * unparseable, not covering the hosts, key mismatch, other directory, expired or renewal due), wait
 * (until the renewal time, or until a recorded backoff or rate limit ends) or skip (a Secret that is
 * not ours). Pure: time and randomness are arguments.
 *
 * @param random a value in [0, 1) used only to pick a time inside an ARI window
 * @example
 * const decision = decide(want, observed, clock.nowMs(), policy, Math.random());
 */
export function decide(
  want: DesiredCertificate,
  observed: ObservedSecret,
  nowMs: number,
  policy: DecisionPolicy,
  random: number,
): Decision {
  switch (observed.state) {
    case 'foreign':
      return {
        kind: 'skip',
        reason: 'ForeignSecret',
        message: 'secret is not managed by kube-lego, not touching it',
        detail: observed.message,
        fields: { domains: want.hosts, reason: observed.reason },
      };
    case 'absent':
      return issue(want, 'SecretMissing', {
        message: 'no cert associated with ingress',
        detail: `Issuing certificate for ${want.hosts.join(', ')}: secret "${want.key}" does not exist`,
      });
    case 'adoptable':
      return issue(want, 'Adopting', {
        message:
          observed.why === 'Expired' ? 'cert expires soon so renew' : 'cert does not cover all domains',
        detail: `Issuing certificate for ${want.hosts.join(', ')}: secret "${want.key}" holds a placeholder certificate (${observed.why}) that kube-lego replaces`,
      });
    case 'unparseable':
      return (
        backoff(want, observed.record, nowMs) ??
        issue(
          want,
          'SecretUnparseable',
          {
            message: 'cert does not cover all domains',
            detail: `Issuing certificate for ${want.hosts.join(', ')}: secret "${want.key}" holds no readable certificate: ${observed.problem}`,
          },
          { record: observed.record, directoryUrl: policy.directoryUrl },
        )
      );
    case 'present':
      return decidePresent(want, observed, nowMs, { policy, random });
  }
}
