import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideLease,
  formatMicroTime,
  leadershipLapsed,
  observeLease,
  releasedLease,
  type LeaseSpec,
} from '../../src/domain/lease-decision.js';

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const leaseDurationMs = 15_000;

function held(holderIdentity: string, overrides: Partial<LeaseSpec> = {}): LeaseSpec {
  return {
    holderIdentity,
    leaseDurationSeconds: 15,
    acquireTime: formatMicroTime(t0 - 60_000),
    renewTime: formatMicroTime(t0 - 1_000),
    leaseTransitions: 3,
    ...overrides,
  };
}

describe('decideLease()', () => {
  it('creates the Lease, held by us with no transition, when there is none', () => {
    const decision = decideLease({ observed: undefined, identity: 'pod-a', nowMs: t0, leaseDurationMs });
    assert.deepEqual(decision, {
      kind: 'create',
      spec: {
        holderIdentity: 'pod-a',
        leaseDurationSeconds: 15,
        acquireTime: '2026-01-01T12:00:00.000000Z',
        renewTime: '2026-01-01T12:00:00.000000Z',
        leaseTransitions: 0,
      },
    });
  });

  it('renews our own Lease, keeping acquireTime and the transition count', () => {
    const observed = { spec: held('pod-a'), observedAtMs: t0 - 1_000 };
    const decision = decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs });
    if (decision.kind !== 'renew') assert.fail(`expected renew, got ${decision.kind}`);
    assert.equal(decision.spec.acquireTime, observed.spec.acquireTime);
    assert.equal(decision.spec.leaseTransitions, 3);
    assert.equal(decision.spec.renewTime, formatMicroTime(t0));
  });

  it("waits while another replica's Lease has not expired on the local clock", () => {
    const observed = { spec: held('pod-b'), observedAtMs: t0 - 14_999 };
    const decision = decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs });
    assert.deepEqual(decision, { kind: 'held', holder: 'pod-b', expiresAtMs: t0 + 1 });
  });

  it('judges expiry from when the record last changed, not from its renewTime (clock skew)', () => {
    // pod-b's clock runs an hour behind: its renewTime looks long expired, yet it renewed a second ago.
    const observed = {
      spec: held('pod-b', { renewTime: formatMicroTime(t0 - 3_600_000) }),
      observedAtMs: t0 - 1_000,
    };
    assert.equal(decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs }).kind, 'held');
  });

  it('acquires an expired Lease and counts one more transition', () => {
    const observed = { spec: held('pod-b'), observedAtMs: t0 - 15_000 };
    const decision = decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs });
    if (decision.kind !== 'acquire') assert.fail(`expected acquire, got ${decision.kind}`);
    assert.equal(decision.spec.holderIdentity, 'pod-a');
    assert.equal(decision.spec.leaseTransitions, 4);
    assert.equal(decision.spec.acquireTime, formatMicroTime(t0));
  });

  it("uses the holder's own lease duration to judge its expiry", () => {
    const observed = { spec: held('pod-b', { leaseDurationSeconds: 60 }), observedAtMs: t0 - 20_000 };
    assert.equal(decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs }).kind, 'held');
  });

  it('acquires a released Lease (no holder) at once', () => {
    const observed = { spec: releasedLease(held('pod-b'), t0), observedAtMs: t0 };
    const decision = decideLease({ observed, identity: 'pod-a', nowMs: t0, leaseDurationMs });
    assert.equal(decision.kind, 'acquire');
  });
});

describe('observeLease()', () => {
  it('keeps the first observation time while the record stays the same', () => {
    const first = observeLease(undefined, held('pod-b'), t0);
    assert.equal(observeLease(first, held('pod-b'), t0 + 5_000).observedAtMs, t0);
  });

  it('restarts the clock when the holder renews', () => {
    const first = observeLease(undefined, held('pod-b'), t0);
    const renewed = held('pod-b', { renewTime: formatMicroTime(t0 + 2_000) });
    assert.equal(observeLease(first, renewed, t0 + 5_000).observedAtMs, t0 + 5_000);
  });
});

describe('leadershipLapsed()', () => {
  it('keeps leading before the renew deadline and stops at it', () => {
    assert.equal(leadershipLapsed(t0, t0 + 9_999, 10_000), false);
    assert.equal(leadershipLapsed(t0, t0 + 10_000, 10_000), true);
  });
});
