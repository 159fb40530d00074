/**
 * Leader election on a coordination.k8s.io/v1 Lease, client-go's protocol (tools/leaderelection): pure
 * decisions over the Lease as last read and the local time it was first seen in that state. Expiry is judged
 * on the local clock from the moment the record last changed, never from the renewTime written by another
 * replica, so clock skew between nodes cannot make a live leader's Lease look expired.
 */

/** The spec fields of a Lease that the protocol reads and writes. */
export interface LeaseSpec {
  /** Empty when nobody holds the Lease (a leader that stepped down releases it so). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 with microseconds (a Kubernetes MicroTime); undefined when never set. */
  readonly acquireTime: string | undefined;
  readonly renewTime: string | undefined;
  readonly leaseTransitions: number;
}

/** A Lease as last read, with the local time its spec was first seen unchanged. */
export interface LeaseObservation {
  readonly spec: LeaseSpec;
  readonly observedAtMs: number;
}

/** What one acquire-or-renew attempt does. */
export type LeaseDecision =
  /** No Lease yet: create it, held by us. */
  | { readonly kind: 'create'; readonly spec: LeaseSpec }
  /** We hold it (`renew`) or it has expired or was released (`acquire`, one more transition): write it. */
  | { readonly kind: 'renew' | 'acquire'; readonly spec: LeaseSpec }
  /** Another replica holds a Lease that has not expired: try again after the retry period. */
  | { readonly kind: 'held'; readonly holder: string; readonly expiresAtMs: number };

export interface LeaseDecisionInput {
  /** The Lease as read now; undefined when it does not exist. */
  readonly observed: LeaseObservation | undefined;
  readonly identity: string;
  readonly nowMs: number;
  readonly leaseDurationMs: number;
}

/** MicroTime: `2006-01-02T15:04:05.000000Z`, as the API server writes and expects it. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sameSpec(a: LeaseSpec, b: LeaseSpec): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/** The observation after reading `spec` at `nowMs`: its time moves only when the record changed. */
export function observeLease(
  previous: LeaseObservation | undefined,
  spec: LeaseSpec,
  nowMs: number,
): LeaseObservation {
  if (previous !== undefined && sameSpec(previous.spec, spec)) return previous;
  return { spec, observedAtMs: nowMs };
}

/** Decides one attempt to acquire or renew the Lease (client-go's tryAcquireOrRenew). */
export function decideLease(input: LeaseDecisionInput): LeaseDecision {
  const { observed, identity, nowMs, leaseDurationMs } = input;
  const now = formatMicroTime(nowMs);
  const leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  if (observed === undefined) {
    return {
      kind: 'create',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }
  const current = observed.spec;
  if (current.holderIdentity === identity) {
    return { kind: 'renew', spec: { ...current, leaseDurationSeconds, renewTime: now } };
  }
  // The holder's own duration decides how long its Lease lasts, as in client-go.
  const holderDurationMs =
    current.leaseDurationSeconds > 0 ? current.leaseDurationSeconds * 1000 : leaseDurationMs;
  const expiresAtMs = observed.observedAtMs + holderDurationMs;
  if (current.holderIdentity !== '' && expiresAtMs > nowMs) {
    return { kind: 'held', holder: current.holderIdentity, expiresAtMs };
  }
  return {
    kind: 'acquire',
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: current.leaseTransitions + 1,
    },
  };
}

/** Whether a leader whose last successful renewal was at `renewedAtMs` must stop leading (renew deadline). */
export function leadershipLapsed(renewedAtMs: number, nowMs: number, renewDeadlineMs: number): boolean {
  return nowMs - renewedAtMs >= renewDeadlineMs;
}

/** The spec a leader writes when it steps down: no holder, so the next replica acquires at once. */
export function releasedLease(spec: LeaseSpec, nowMs: number): LeaseSpec {
  return { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: formatMicroTime(nowMs) };
}
