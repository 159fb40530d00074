import { decide, type Decision, type DecisionPolicy } from './decide.js';
import {
  desiredCertificates,
  type DesiredPolicy,
  type DesiredProblem,
  type IgnoredIngress,
} from './desired.js';
import type { GatewaySources } from './gateway-types.js';
import { observeSecret } from './observe-secret.js';
import { isManagedSecret, type AnnotationProblem } from './secret-annotations.js';
import type { DesiredCertificate, IngressView, ObservedSecret, SecretKey, SecretSnapshot } from './types.js';

/** Everything plan() needs to know about configuration. */
export type PlanPolicy = DesiredPolicy & DecisionPolicy;

/** The input of plan(): a snapshot of the caches and the time. */
export interface PlanInput {
  readonly ingresses: readonly IngressView[];
  /** The Gateway API objects; absent: none (a cluster without the kinds). */
  readonly gateways?: GatewaySources;
  /** Secrets by key; only the ones that exist. */
  readonly secrets: ReadonlyMap<SecretKey, SecretSnapshot>;
  readonly nowMs: number;
  readonly policy: PlanPolicy;
  /** A value in [0, 1) per certificate, used only to pick a time inside an ARI window. */
  readonly random: (key: SecretKey) => number;
}

/** One desired certificate with what was observed and decided. */
export interface PlanEntry {
  readonly desired: DesiredCertificate;
  readonly observed: ObservedSecret;
  readonly decision: Decision;
  readonly annotationProblems: readonly AnnotationProblem[];
}

/** The decisions for a whole snapshot: the periodic check, metrics, `status` and `explain` read this. */
export interface Plan {
  /** Sorted by key. */
  readonly entries: readonly PlanEntry[];
  readonly problems: readonly DesiredProblem[];
  readonly ignored: readonly IgnoredIngress[];
  /** Secrets kube-lego manages that no Ingress entry names any more: left in place, no longer renewed. */
  readonly orphaned: readonly SecretKey[];
  /** The earliest time a `wait` decision ends, if any: when the next periodic look is useful. */
  readonly nextWakeMs?: number;
}

/**
 * Runs desiredCertificates(), observeSecret() and decide() over a whole snapshot. The reconciler
 * calls decide() for its single key; plan() is the same logic for everything at once.
 */
export function plan(input: PlanInput): Plan {
  const { policy, nowMs } = input;
  const desired = desiredCertificates(input.ingresses, policy, input.gateways);
  const entries = desired.certificates.map((want): PlanEntry => {
    const { observed, problems } = observeSecret(
      input.secrets.get(want.key),
      want,
      nowMs,
      policy.annotationKey,
    );
    const decision = decide(want, observed, nowMs, policy, input.random(want.key));
    return { desired: want, observed, decision, annotationProblems: problems };
  });
  // A Secret named by a problem (a conflict, a bad entry) is still claimed: not orphaned, just blocked.
  const wanted = new Set<SecretKey>([
    ...desired.certificates.map((c) => c.key),
    ...desired.problems.flatMap((p) => (p.key === undefined ? [] : [p.key])),
  ]);
  const orphaned = [...input.secrets.entries()]
    .filter(([key, s]) => !wanted.has(key) && isManagedSecret(s.labels, s.annotations, policy.annotationKey))
    .map(([key]) => key)
    .sort();
  const waits = entries.flatMap((e) => (e.decision.kind === 'wait' ? [e.decision.untilMs] : []));
  const base = { entries, problems: desired.problems, ignored: desired.ignored, orphaned };
  return waits.length === 0 ? base : { ...base, nextWakeMs: waits.reduce((a, b) => Math.min(a, b)) };
}
