import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecretWrite } from '../../src/ports/secret-access.js';
import {
  DAY_MS,
  NOW_MS,
  certAged,
  ingress,
  managed,
  record,
  secret,
  withRecord,
  withTls,
} from '../support/builders.js';
import { issuedMaterial, reconcilerRig, type ReconcilerRigOptions } from './reconciler-rig.js';

/** The shared rig, with a view of the certificate writes (`tls.crt` = CERT). */
function rig(options: ReconcilerRigOptions = {}) {
  const r = reconcilerRig(options);
  const certificateWrites = (): SecretWrite[] => r.writes.filter((w) => w.data['tls.crt'] === 'Q0VSVA==');
  return { ...r, certificateWrites };
}

describe('Reconciler re-checks the desired state before it orders and before it stores', () => {
  it('orders nothing for a Secret that became claimed twice while it waited for an order slot', async () => {
    const r = rig();
    r.change(ingress('first', withTls(['a.example'], 'shared-tls')));
    await r.orders.acquire(); // every slot is taken: the decision to issue waits
    await r.reconciler.reconcile('default/shared-tls');
    r.change(ingress('second', withTls(['b.example'], 'shared-tls')));
    r.orders.release();
    await r.settled();
    assert.equal(r.issued.length, 0, 'no order for a Secret in conflict');
    // Only the temporary certificate, written before the wait for the slot while one Ingress claimed it.
    assert.deepEqual(
      r.writes.map((w) => Buffer.from(w.data['tls.crt'] ?? '', 'base64').toString('utf8')),
      ['TEMPORARY CERT'],
    );
    assert.ok(r.lines.some((l) => l.level === 'warn' && l.message.includes('shared-tls')));
  });

  it('stores no certificate into a Secret that became claimed twice during the order', async () => {
    const r = rig({
      issue: () => {
        r.change(ingress('second', withTls(['b.example'], 'shared-tls')));
        return Promise.resolve(issuedMaterial());
      },
    });
    r.change(ingress('first', withTls(['a.example'], 'shared-tls')));
    await r.reconciler.reconcile('default/shared-tls');
    await r.settled();
    assert.equal(r.issued.length, 1);
    assert.deepEqual(r.certificateWrites(), [], 'the certificate is not written into a contested Secret');
  });

  it('orders for the hosts wanted now when they changed while it waited for a slot', async () => {
    const r = rig();
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    await r.orders.acquire();
    await r.reconciler.reconcile('default/web-tls');
    r.change(ingress('other', withTls(['x.example'], 'other-tls')));
    r.orders.release();
    await r.settled();
    assert.deepEqual(
      r.issued.map((i) => i.hosts),
      [['a.example']],
    );
    assert.equal(r.certificateWrites().length, 1);
  });
});

describe("Reconciler logs kube-lego's lines for an up-to-date certificate", () => {
  const upToDate = secret(
    'web-tls',
    certAged(['a.example'], 10),
    managed(),
    withRecord(
      record({ hosts: ['a.example'], notAfterMs: NOW_MS + 80 * DAY_MS, renewAtMs: NOW_MS + 50 * DAY_MS }),
    ),
  );

  it('once per certificate per check, however often its Ingress changes', async () => {
    const r = rig({ stored: [upToDate] });
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    const count = (message: RegExp): number =>
      r.lines.filter((l) => l.level === 'info' && message.test(l.message)).length;
    r.reconciler.startCheck();
    for (let i = 0; i < 5; i += 1) await r.reconciler.reconcile('default/web-tls');
    assert.equal(count(/^cert expires in \d+\.\d days, no renewal needed$/), 1);
    assert.equal(count(/^no cert request needed$/), 1);
    const line = r.lines.find((l) => l.message === 'no cert request needed');
    assert.deepEqual(
      { context: line?.fields['context'], name: line?.fields['name'], namespace: line?.fields['namespace'] },
      { context: 'ingress_tls', name: 'web', namespace: 'default' },
    );
    r.reconciler.startCheck();
    await r.reconciler.reconcile('default/web-tls');
    assert.equal(count(/no renewal needed$/), 2, 'the next check reports it again');
    assert.equal(count(/^no cert request needed$/), 2);
  });
});

describe('Reconciler keeps what the user wrote on the Secret meanwhile', () => {
  it('a renewal requested between its read and its own write survives the write', async () => {
    // Valid and ours, with no renewal time stored yet: the reconcile writes one.
    const valid = secret(
      'web-tls',
      certAged(['a.example'], 10),
      managed(),
      withRecord(record({ hosts: ['a.example'] })),
    );
    const requestedAt = '2026-11-28T11:00:00Z';
    const r = rig({
      stored: [valid],
      beforeLookup: (reads, put) => {
        // The user annotates the Secret after the decision was taken on the first read.
        if (reads === 1)
          put({ ...valid, annotations: { ...valid.annotations, 'kube-lego/renew-requested': requestedAt } });
      },
    });
    r.change(ingress('web', withTls(['a.example'], 'web-tls')));
    await r.reconciler.reconcile('default/web-tls');
    const persisted = r.writes.at(-1);
    assert.ok(persisted !== undefined, 'the renewal time was written');
    assert.ok(persisted.annotations['kube-lego/renew-at'] !== undefined);
    assert.equal(
      persisted.annotations['kube-lego/renew-requested'],
      requestedAt,
      'the request is not dropped',
    );
  });
});
