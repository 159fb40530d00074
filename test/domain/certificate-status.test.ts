import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateStatuses, type CertificateState } from '../../src/domain/certificate-status.js';
import { plan } from '../../src/domain/plan.js';
import {
  DAY_MS,
  MINUTE_MS,
  NOW_MS,
  cert,
  certAged,
  ingress,
  managed,
  planPolicy,
  secret,
  secretsByKey,
  withRecord,
  withTls,
  withType,
} from '../support/builders.js';

describe('certificateStatuses()', () => {
  const valid = certAged(['valid.example'], 10);
  const failing = certAged(['failing.example'], 70);
  const limited = certAged(['limited.example'], 70);
  const ingresses = [
    ingress('valid', withTls(['valid.example'], 'valid-tls')),
    ingress('due', withTls(['due.example'], 'due-tls')),
    ingress('temp', withTls(['temp.example'], 'temp-tls')),
    ingress('own', withTls(['own.example'], 'own-tls')),
    ingress('failing', withTls(['failing.example'], 'failing-tls')),
    ingress('limited', withTls(['limited.example'], 'limited-tls')),
    ingress('foreign', withTls(['foreign.example'], 'foreign-tls')),
    ingress('bad', withTls(['*.bad.example'], 'bad-tls')),
    ingress('one', withTls(['one.example'], 'shared-tls')),
    ingress('two', withTls(['two.example'], 'shared-tls')),
  ];
  const snapshot = secretsByKey(
    secret('valid-tls', valid, managed(), withRecord({ failures: 0 })),
    secret('due-tls', certAged(['due.example'], 70), managed()),
    secret('temp-tls', cert(['temp.example'], { selfSigned: true }), managed()),
    // The user's own placeholder, made with openssl before kube-lego ran: not (yet) managed, adopted.
    secret('own-tls', cert(['own.example'], { selfSigned: true })),
    secret(
      'failing-tls',
      failing,
      managed(),
      withRecord({
        failures: 2,
        lastFailureMs: NOW_MS - MINUTE_MS,
        lastFailureReason: 'ChallengeFailed',
        retryNotBeforeMs: NOW_MS + 9 * MINUTE_MS,
      }),
    ),
    secret(
      'limited-tls',
      limited,
      managed(),
      withRecord({
        failures: 1,
        lastFailureMs: NOW_MS - MINUTE_MS,
        lastFailureReason: 'RateLimited',
        retryNotBeforeMs: NOW_MS + 60 * MINUTE_MS,
        ariExplanationUrl: 'https://ca.example/incident',
      }),
    ),
    secret('foreign-tls', certAged(['foreign.example'], 10), withType('Opaque')),
  );
  const policy = planPolicy();
  const random = (): number => 0.5;
  const planned = plan({ ingresses, secrets: snapshot, nowMs: NOW_MS, policy, random });
  const rows = certificateStatuses(planned, { minimumValidityMs: policy.minimumValidityMs, random });
  const row = (secretName: string) => rows.find((r) => r.secret === secretName);

  it('gives every certificate and every problem one row with its state, sorted by secret', () => {
    const expected: [string, string, CertificateState][] = [
      ['bad-tls', 'bad', 'Invalid'],
      ['due-tls', 'due', 'Renewing'],
      ['failing-tls', 'failing', 'BackingOff'],
      ['foreign-tls', 'foreign', 'Foreign'],
      ['limited-tls', 'limited', 'RateLimited'],
      ['own-tls', 'own', 'Temporary'],
      ['shared-tls', 'one,two', 'Conflict'],
      ['temp-tls', 'temp', 'Temporary'],
      ['valid-tls', 'valid', 'Ready'],
    ];
    assert.deepEqual(
      rows.map((r) => [r.secret, r.ingresses.join(','), r.state]),
      expected,
    );
  });

  it("carries the plan's decision detail as the row's detail: one source for the controller and status", () => {
    for (const entry of planned.entries)
      assert.equal(row(entry.desired.secretName)?.detail, entry.decision.detail, entry.desired.key);
    const conflict = planned.problems.find((p) => p.code === 'SecretConflict');
    assert.equal(row('shared-tls')?.detail, conflict?.message);
  });

  it('shows expiry, the renewal time and its basis of a present certificate', () => {
    const ready = row('valid-tls');
    assert.ok(ready !== undefined);
    assert.equal(ready.notAfterMs, valid.notAfterMs);
    assert.equal(ready.notBeforeMs, valid.notBeforeMs);
    assert.deepEqual(ready.renewal, { atMs: valid.notBeforeMs + 60 * DAY_MS, basis: 'lifetime' });
    assert.equal(row('due-tls')?.renewal?.basis, 'lifetime');
  });

  it('shows the last failure, its reason and the next retry from the record', () => {
    assert.deepEqual(row('failing-tls')?.lastFailure, {
      atMs: NOW_MS - MINUTE_MS,
      reason: 'ChallengeFailed',
    });
    assert.equal(row('failing-tls')?.failures, 2);
    assert.equal(row('failing-tls')?.retryNotBeforeMs, NOW_MS + 9 * MINUTE_MS);
    assert.equal(row('limited-tls')?.ariExplanationUrl, 'https://ca.example/incident');
    assert.equal(row('valid-tls')?.lastFailure, undefined);
    assert.equal(row('valid-tls')?.failures, 0);
  });

  it('joins the claimants of a conflicting Secret into one row with every host', () => {
    assert.deepEqual(row('shared-tls')?.hosts, ['one.example', 'two.example']);
    assert.equal(row('shared-tls')?.renewal, undefined);
  });
});
