import type { FailureReason, IssuanceRecord, RenewalWindow } from './types.js';

// The metadata kube-lego writes on the TLS Secrets it manages. The label lets the Secret informer
// watch only our Secrets; the annotations are the persisted issuance state (see IssuanceRecord).
// Times are RFC 3339 in UTC with whole seconds: every time the core compares with a persisted value
// is truncated to seconds first, so a value read back equals the value computed.

/** Prefix of every annotation and label kube-lego owns. */
export const PREFIX = 'kube-lego/';

/** Label on every object kube-lego manages (TLS Secrets, challenge Services and Ingresses). */
export const MANAGED_LABEL = 'kube-lego/managed';
/** Label of the one Secret that holds the pending key authorizations of every replica. */
export const CHALLENGES_LABEL = 'kube-lego/challenges';
/** Label selector for the Secret informer. */
export const MANAGED_SELECTOR = `${MANAGED_LABEL}=true`;

/**
 * Data key of the managed Secret holding the private key of the order in flight (PEM, as `tls.key` is),
 * written before the order is finalized and removed when its certificate is stored or the order is dropped.
 * It belongs to the order named by `kube-lego/order-url` on the same Secret: key material never goes in
 * annotations, which every reader of the object's metadata sees.
 */
export const PENDING_KEY_DATA_KEY = 'kube-lego.pending.key';

/** Annotation keys of the issuance record. */
export const ANNOTATIONS = Object.freeze({
  hosts: 'kube-lego/hosts',
  directoryUrl: 'kube-lego/directory-url',
  profile: 'kube-lego/profile',
  accountUrl: 'kube-lego/account-url',
  certId: 'kube-lego/cert-id',
  notAfter: 'kube-lego/not-after',
  renewAt: 'kube-lego/renew-at',
  ariWindow: 'kube-lego/ari-window',
  ariExplanationUrl: 'kube-lego/ari-explanation-url',
  failures: 'kube-lego/failures',
  lastFailure: 'kube-lego/last-failure',
  lastFailureReason: 'kube-lego/last-failure-reason',
  retryNotBefore: 'kube-lego/retry-not-before',
  orderUrl: 'kube-lego/order-url',
  renewRequested: 'kube-lego/renew-requested',
  ingress: 'kube-lego/ingress',
});

/** A persisted value that could not be read; the field is then treated as unset. */
export interface AnnotationProblem {
  readonly key: string;
  readonly value: string;
  readonly message: string;
}

/** Every persisted failure reason (`kube-lego/last-failure-reason`). */
export const FAILURE_REASONS: readonly FailureReason[] = [
  'RateLimited',
  'CaUnavailable',
  'ChallengeFailed',
  'SelfCheckFailed',
  'OrderFailed',
  'OrderRefused',
  'AccountFailed',
  'SecretWriteFailed',
  'Timeout',
  'Unknown',
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Truncates a time to whole seconds, the precision of every persisted time. */
export function toWholeSecondsMs(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Formats a time as RFC 3339 UTC with whole seconds, e.g. `2026-11-28T11:00:00Z`. */
export function formatTime(ms: number): string {
  return new Date(toWholeSecondsMs(ms)).toISOString().replace('.000Z', 'Z');
}

/** Parses an RFC 3339 time; `undefined` when the text is not one. */
export function parseTime(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** True when the Secret carries kube-lego's label or the legacy kube-lego annotation (`<annotationKey>: "true"`). */
export function isManagedSecret(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
  legacyAnnotationKey: string,
): boolean {
  return labels[MANAGED_LABEL] === 'true' || annotations[legacyAnnotationKey]?.toLowerCase() === 'true';
}

interface Reader {
  readonly annotations: Readonly<Record<string, string>>;
  readonly problems: AnnotationProblem[];
}

function problem(reader: Reader, key: string, value: string, expected: string): void {
  reader.problems.push({
    key,
    value,
    message: `Cannot read annotation "${key}": value "${value}" is not ${expected}, kube-lego ignores it and rewrites it on the next issuance`,
  });
}

function readTime(reader: Reader, key: string): number | undefined {
  const value = reader.annotations[key];
  if (value === undefined) return undefined;
  const ms = parseTime(value);
  if (ms === undefined) problem(reader, key, value, 'an RFC 3339 time such as 2026-01-31T12:00:00Z');
  return ms;
}

function readList(reader: Reader, key: string): readonly string[] | undefined {
  const value = reader.annotations[key];
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readCount(reader: Reader, key: string): number {
  const value = reader.annotations[key];
  if (value === undefined) return 0;
  if (/^\d{1,6}$/.test(value)) return Number(value);
  problem(reader, key, value, 'a non-negative integer');
  return 0;
}

function readWindow(reader: Reader, key: string): RenewalWindow | undefined {
  const value = reader.annotations[key];
  if (value === undefined) return undefined;
  const [start, end, ...rest] = value.split('/');
  const startMs = start === undefined ? undefined : parseTime(start);
  const endMs = end === undefined ? undefined : parseTime(end);
  if (rest.length > 0 || startMs === undefined || endMs === undefined || endMs < startMs) {
    problem(reader, key, value, 'an interval "<start>/<end>" of RFC 3339 times with start <= end');
    return undefined;
  }
  return { startMs, endMs };
}

function readReason(reader: Reader, key: string): FailureReason | undefined {
  const value = reader.annotations[key];
  if (value === undefined) return undefined;
  const known = FAILURE_REASONS.find((reason) => reason === value);
  if (known === undefined) problem(reader, key, value, `one of ${FAILURE_REASONS.join(', ')}`);
  return known;
}

function readString(reader: Reader, key: string): string | undefined {
  const value = reader.annotations[key];
  return value === undefined || value === '' ? undefined : value;
}

/** Reads the issuance record from a Secret's annotations. Total: a bad value becomes a problem, never a throw. */
export function parseIssuanceRecord(annotations: Readonly<Record<string, string>>): {
  readonly record: IssuanceRecord;
  readonly problems: readonly AnnotationProblem[];
} {
  const reader: Reader = { annotations, problems: [] };
  const fields = {
    hosts: readList(reader, ANNOTATIONS.hosts),
    directoryUrl: readString(reader, ANNOTATIONS.directoryUrl),
    profile: readString(reader, ANNOTATIONS.profile),
    accountUrl: readString(reader, ANNOTATIONS.accountUrl),
    certId: readString(reader, ANNOTATIONS.certId),
    notAfterMs: readTime(reader, ANNOTATIONS.notAfter),
    renewAtMs: readTime(reader, ANNOTATIONS.renewAt),
    ariWindow: readWindow(reader, ANNOTATIONS.ariWindow),
    ariExplanationUrl: readString(reader, ANNOTATIONS.ariExplanationUrl),
    failures: readCount(reader, ANNOTATIONS.failures),
    lastFailureMs: readTime(reader, ANNOTATIONS.lastFailure),
    lastFailureReason: readReason(reader, ANNOTATIONS.lastFailureReason),
    retryNotBeforeMs: readTime(reader, ANNOTATIONS.retryNotBefore),
    orderUrl: readString(reader, ANNOTATIONS.orderUrl),
    renewRequestedMs: readTime(reader, ANNOTATIONS.renewRequested),
    ingresses: readList(reader, ANNOTATIONS.ingress),
  };
  return { record: withoutUndefined(fields), problems: reader.problems };
}

/** Formats an issuance record as kube-lego's annotations (unset fields are left out). */
export function formatIssuanceRecord(record: IssuanceRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  const time = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : formatTime(ms);
  set(ANNOTATIONS.hosts, record.hosts?.join(','));
  set(ANNOTATIONS.directoryUrl, record.directoryUrl);
  set(ANNOTATIONS.profile, record.profile);
  set(ANNOTATIONS.accountUrl, record.accountUrl);
  set(ANNOTATIONS.certId, record.certId);
  set(ANNOTATIONS.notAfter, time(record.notAfterMs));
  set(ANNOTATIONS.renewAt, time(record.renewAtMs));
  set(
    ANNOTATIONS.ariWindow,
    record.ariWindow && `${formatTime(record.ariWindow.startMs)}/${formatTime(record.ariWindow.endMs)}`,
  );
  set(ANNOTATIONS.ariExplanationUrl, record.ariExplanationUrl);
  if (record.failures > 0) out[ANNOTATIONS.failures] = String(record.failures);
  set(ANNOTATIONS.lastFailure, time(record.lastFailureMs));
  set(ANNOTATIONS.lastFailureReason, record.lastFailureReason);
  set(ANNOTATIONS.retryNotBefore, time(record.retryNotBeforeMs));
  set(ANNOTATIONS.orderUrl, record.orderUrl);
  set(ANNOTATIONS.renewRequested, time(record.renewRequestedMs));
  set(ANNOTATIONS.ingress, record.ingresses?.join(','));
  return out;
}

/**
 * The annotations to write on a managed Secret: foreign annotations are kept, every `kube-lego/`
 * annotation is replaced by the record, and kube-lego's own `<annotationKey>: "true"` is set (0.1.7 wrote
 * it; it is how Secrets issued by the original are recognised).
 */
export function managedSecretAnnotations(
  existing: Readonly<Record<string, string>>,
  record: IssuanceRecord,
  legacyAnnotationKey: string,
): Record<string, string> {
  const kept = Object.entries(existing).filter(([key]) => !key.startsWith(PREFIX));
  return { ...Object.fromEntries(kept), [legacyAnnotationKey]: 'true', ...formatIssuanceRecord(record) };
}

/** The labels to write on a managed Secret: foreign labels kept, the managed label added. */
export function managedSecretLabels(existing: Readonly<Record<string, string>>): Record<string, string> {
  return { ...existing, [MANAGED_LABEL]: 'true' };
}

type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined fields so the result satisfies `exactOptionalPropertyTypes`. */
function withoutUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}
