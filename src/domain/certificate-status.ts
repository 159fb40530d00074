import type { DesiredProblem } from './desired.js';
import type { Plan, PlanEntry } from './plan.js';
import { renewalSchedule, type RenewalBasis } from './renewal.js';
import type { ServedOutcome } from './served-outcome.js';
import { holdsPlaceholder } from './temporary-certificate-state.js';
import type { FailureReason, IssuanceRecord, RenewalWindow, SecretKey } from './types.js';

// What `kube-lego status` and `explain` show for each certificate: the plan's decision (the controller's own
// decide()) folded into one state, with the recorded history beside it. Pure: the plan carries the snapshot.

/** The state of one certificate as `kube-lego status` shows it. */
export type CertificateState =
  'Ready' | 'Temporary' | 'Renewing' | 'BackingOff' | 'RateLimited' | 'Conflict' | 'Foreign' | 'Invalid';

/** The short form of a renewal basis for the status table. */
export const RENEWAL_BASIS_LABELS: Readonly<Record<RenewalBasis, string>> = Object.freeze({
  ariWindow: 'ARI window',
  lifetime: 'lifetime',
  minimumValidity: 'minimum validity',
});

/** One row of `kube-lego status`. */
export interface CertificateStatus {
  readonly namespace: string;
  /** Empty when the Ingress entry names no Secret (an Invalid entry). */
  readonly secret: string;
  /** Names of the Ingresses (in `namespace`) that ask for the certificate. */
  readonly ingresses: readonly string[];
  readonly hosts: readonly string[];
  /** The ACME profile ordered for it (`kube-lego/profile` or `LEGO_ACME_PROFILE`); absent: the CA's default. */
  readonly profile?: string;
  readonly state: CertificateState;
  /** The controller's sentence: the decision's detail, or the problem's message. */
  readonly detail: string;
  readonly notBeforeMs?: number;
  readonly notAfterMs?: number;
  /** When the certificate is renewed, and why then. */
  readonly renewal?: { readonly atMs: number; readonly basis: RenewalBasis };
  readonly failures: number;
  readonly lastFailure?: { readonly atMs: number; readonly reason: FailureReason };
  readonly retryNotBeforeMs?: number;
  readonly ariWindow?: RenewalWindow;
  readonly ariExplanationUrl?: string;
  readonly renewRequestedMs?: number;
  readonly orderUrl?: string;
  /** The last served-certificate check of the CA's certificate on the Secret; absent when none is known. */
  readonly served?: ServedOutcome;
}

function stateOf(entry: PlanEntry): CertificateState {
  const { decision } = entry;
  switch (decision.kind) {
    case 'skip':
      return 'Foreign';
    case 'issue':
      // The Secret holds a self-signed placeholder (kube-lego's temporary certificate or the user's own)
      // until the CA's certificate arrives.
      return holdsPlaceholder(entry.observed) ? 'Temporary' : 'Renewing';
    case 'wait':
      switch (decision.why) {
        case 'RenewalScheduled':
          return 'Ready';
        case 'RateLimited':
          return 'RateLimited';
        case 'BackingOff':
        case 'CaUnavailable':
          return 'BackingOff';
      }
  }
}

function recordOf(entry: PlanEntry): IssuanceRecord | undefined {
  const { observed } = entry;
  return observed.state === 'present' || observed.state === 'unparseable' ? observed.record : undefined;
}

function historyOf(
  record: IssuanceRecord | undefined,
): Omit<CertificateStatus, 'namespace' | 'secret' | 'ingresses' | 'hosts' | 'state' | 'detail'> {
  if (record === undefined) return { failures: 0 };
  return {
    failures: record.failures,
    ...(record.lastFailureMs === undefined
      ? {}
      : { lastFailure: { atMs: record.lastFailureMs, reason: record.lastFailureReason ?? 'Unknown' } }),
    ...(record.retryNotBeforeMs === undefined ? {} : { retryNotBeforeMs: record.retryNotBeforeMs }),
    ...(record.ariWindow === undefined ? {} : { ariWindow: record.ariWindow }),
    ...(record.ariExplanationUrl === undefined ? {} : { ariExplanationUrl: record.ariExplanationUrl }),
    ...(record.renewRequestedMs === undefined ? {} : { renewRequestedMs: record.renewRequestedMs }),
    ...(record.orderUrl === undefined ? {} : { orderUrl: record.orderUrl }),
  };
}

function entryStatus(
  entry: PlanEntry,
  options: { readonly minimumValidityMs: number; readonly random: (key: SecretKey) => number },
): CertificateStatus {
  const { desired, observed } = entry;
  const base = {
    namespace: desired.namespace,
    secret: desired.secretName,
    ingresses: [...new Set(desired.sources.map((s) => s.name))],
    hosts: desired.hosts,
    ...(desired.profile === undefined ? {} : { profile: desired.profile }),
    state: stateOf(entry),
    detail: entry.decision.detail,
    ...historyOf(recordOf(entry)),
  };
  if (observed.state !== 'present') return base;
  const { cert, record } = observed;
  // The same draw as the plan's decide(), so the renewal time shown is the one decided.
  const schedule = renewalSchedule(cert, record, options.minimumValidityMs, options.random(desired.key));
  return {
    ...base,
    notBeforeMs: cert.notBeforeMs,
    notAfterMs: cert.notAfterMs,
    renewal: { atMs: schedule.renewAtMs, basis: schedule.basis },
  };
}

/** Problems of one Secret (a conflict's claimants) or of one Ingress entry become one row. */
function problemStatuses(problems: readonly DesiredProblem[]): CertificateStatus[] {
  const rows = new Map<string, CertificateStatus>();
  for (const problem of problems) {
    const secret = problem.key === undefined ? '' : problem.key.slice(problem.key.indexOf('/') + 1);
    const id =
      problem.key ?? `${problem.ingress.namespace}/${problem.ingress.name}#${String(problem.tlsIndex ?? '')}`;
    const known = rows.get(id);
    if (known !== undefined) {
      rows.set(id, {
        ...known,
        ingresses: [...new Set([...known.ingresses, problem.ingress.name])],
        hosts: [...new Set([...known.hosts, ...problem.hosts])],
      });
      continue;
    }
    rows.set(id, {
      namespace: problem.ingress.namespace,
      secret,
      ingresses: [problem.ingress.name],
      hosts: problem.hosts,
      state: problem.code === 'SecretConflict' ? 'Conflict' : 'Invalid',
      detail: problem.message,
      failures: 0,
    });
  }
  return [...rows.values()];
}

function compareRows(a: CertificateStatus, b: CertificateStatus): number {
  const keyA = `${a.namespace}/${a.secret}/${a.ingresses.join(',')}`;
  const keyB = `${b.namespace}/${b.secret}/${b.ingresses.join(',')}`;
  if (keyA === keyB) return 0;
  return keyA < keyB ? -1 : 1;
}

/**
 * The status of every certificate in a plan: one row per desired certificate (its state from the plan's
 * decision, its detail the decision's own sentence) and one per Secret or Ingress entry with a problem
 * (Conflict, Invalid), sorted by namespace and Secret.
 *
 * @param options.random the plan's random source, so an ARI renewal time not yet persisted is the one decided
 */
export function certificateStatuses(
  input: Plan,
  options: { readonly minimumValidityMs: number; readonly random: (key: SecretKey) => number },
): CertificateStatus[] {
  return [
    ...input.entries.map((entry) => entryStatus(entry, options)),
    ...problemStatuses(input.problems),
  ].sort(compareRows);
}
