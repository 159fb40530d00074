import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingress, withTls } from '../support/builders.js';
import { reconcilerRig } from './reconciler-rig.js';

const KEY = 'default/web-tls';

/**
 * A Secret store that keeps what is written (as the API server would), an issuer that always fails, and
 * a switch that makes every Secret write fail.
 */
function rig() {
  const state = { writesFail: false };
  const { reconciler, stored, issued } = reconcilerRig({
    ingresses: [ingress('web', withTls(['a.example'], 'web-tls'))],
    keepWrites: true,
    failWrite: () => (state.writesFail ? new Error('the API server answered 500') : undefined),
    issue: () => Promise.reject(new Error('the order failed')),
  });
  const attempt = async (): Promise<void> => {
    await reconciler.reconcile(KEY);
    await Promise.allSettled(reconciler.inFlight());
  };
  /** A user's edit of the stored Secret's annotations (kubectl annotate ...-). */
  const removeAnnotation = (name: string): void => {
    const current = stored.get(KEY);
    assert.ok(current !== undefined, 'the failure record was stored on the Secret');
    assert.ok(name in current.snapshot.annotations, `the Secret carries ${name}`);
    const { [name]: _removed, ...annotations } = current.snapshot.annotations;
    stored.set(KEY, { ...current, snapshot: { ...current.snapshot, annotations } });
  };
  return { attempt, stored, state, removeAnnotation, orders: () => issued.length };
}

describe("Reconciler: the Secret's state is the one truth about a failure backoff", () => {
  it('orders again within one reconcile once kube-lego/retry-not-before is deleted', async () => {
    const r = rig();
    await r.attempt();
    assert.equal(r.orders(), 1);
    await r.attempt();
    assert.equal(r.orders(), 1, 'the recorded backoff holds');
    r.removeAnnotation('kube-lego/retry-not-before');
    await r.attempt();
    assert.equal(r.orders(), 2, 'the documented manual retry takes effect at once');
  });

  it('orders again within one reconcile once the Secret is deleted', async () => {
    const r = rig();
    await r.attempt();
    assert.equal(r.orders(), 1);
    r.stored.delete(KEY);
    await r.attempt();
    assert.equal(r.orders(), 2, 'a deleted Secret has no backoff');
  });

  it('keeps the backoff in memory when the Secret could not take the failure record', async () => {
    const r = rig();
    r.state.writesFail = true;
    await r.attempt();
    assert.equal(r.orders(), 1);
    await r.attempt();
    assert.equal(r.orders(), 1, 'the in-memory backoff stands in for the record that was not written');
  });
});
