import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngressView, SecretSnapshot } from '../../src/domain/types.js';
import type { IssuedMaterial } from '../../src/ports/issuer.js';
import type { SecretLookup, SecretWriteResult, StoredSecret } from '../../src/ports/secret-access.js';
import { DesiredCache } from '../../src/reconcile/desired-index.js';
import { Reconciler } from '../../src/reconcile/reconciler.js';
import { Semaphore } from '../../src/runtime/semaphore.js';
import { NOW_MS, ingress, planPolicy, withTls } from '../support/builders.js';
import { recordingLog, type LogLine } from './recording-log.js';

const KEY = 'default/web-tls';

/**
 * A Secret store that keeps what is written (as the API server would), an issuer that always fails, and
 * a switch that makes every Secret write fail.
 */
function rig() {
  const ingresses: IngressView[] = [ingress('web', withTls(['a.example'], 'web-tls'))];
  const lines: LogLine[] = [];
  const stored = new Map<string, StoredSecret>();
  let orders = 0;
  const state = { writesFail: false };
  const desired = new DesiredCache(planPolicy(), () => ingresses);
  const reconciler = new Reconciler({
    desired,
    secrets: {
      lookup: (namespace, name): Promise<SecretLookup> => {
        const found = stored.get(`${namespace}/${name}`);
        return Promise.resolve(
          found === undefined ? { kind: 'absent' } : { kind: 'found', secret: found, managedCache: true },
        );
      },
      invalidate: () => undefined,
      write: (write): Promise<SecretWriteResult> => {
        if (state.writesFail) return Promise.reject(new Error('the API server answered 500'));
        const snapshot: SecretSnapshot = {
          namespace: write.namespace,
          name: write.name,
          type: write.type,
          labels: write.labels,
          annotations: write.annotations,
          dataKeys: Object.keys(write.data),
          certificate: { state: 'invalid', problem: 'a temporary certificate' },
        };
        stored.set(`${write.namespace}/${write.name}`, {
          snapshot,
          type: write.type,
          certificatePem: 'TEMPORARY CERT',
          data: write.data,
        });
        return Promise.resolve({ kind: 'written' });
      },
    },
    access: { allowed: () => Promise.resolve(true) },
    issuer: {
      issue: (): Promise<IssuedMaterial> => {
        orders += 1;
        return Promise.reject(new Error('the order failed'));
      },
    },
    temporary: {
      create: () => Promise.resolve({ certificatePem: 'TEMPORARY CERT', privateKeyPem: 'TEMPORARY KEY' }),
    },
    events: { record: () => Promise.resolve() },
    queue: { add: () => undefined, addAfter: () => undefined },
    orders: new Semaphore(1),
    settings: { policy: planPolicy(), issuanceTimeoutMs: 60_000 },
    log: recordingLog(lines),
    shutdown: new AbortController().signal,
    nowMs: () => NOW_MS,
    random: () => 0.5,
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
  return { attempt, stored, state, removeAnnotation, orders: () => orders };
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
