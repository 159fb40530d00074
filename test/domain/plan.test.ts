import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plan } from '../../src/domain/plan.js';
import {
  NOW_MS,
  certAged,
  ingress,
  managed,
  planPolicy,
  secret,
  secretsByKey,
  withRecord,
  withTls,
  withType,
  withoutOptIn,
} from '../support/builders.js';

describe('plan()', () => {
  const ingresses = [
    ingress('fresh', withTls(['fresh.example'], 'fresh-tls')),
    ingress('valid', withTls(['valid.example'], 'valid-tls')),
    ingress('due', withTls(['due.example'], 'due-tls')),
    ingress('foreign', withTls(['foreign.example'], 'foreign-tls')),
    ingress('bad', withTls(['*.bad.example'], 'bad-tls')),
    ingress('off', withoutOptIn(), withTls(['off.example'], 'off-tls')),
    ingress('one', withTls(['one.example'], 'shared-tls')),
    ingress('two', withTls(['two.example'], 'shared-tls')),
  ];
  const validCert = certAged(['valid.example'], 10);
  const snapshot = secretsByKey(
    secret(
      'valid-tls',
      validCert,
      managed(),
      withRecord({
        failures: 0,
        notAfterMs: validCert.notAfterMs,
        renewAtMs: validCert.notBeforeMs + 60 * 86_400_000,
      }),
    ),
    secret('due-tls', certAged(['due.example'], 70), managed()),
    secret('foreign-tls', certAged(['foreign.example'], 10), withType('Opaque')),
    secret('gone-tls', certAged(['gone.example'], 10), managed()),
    secret('shared-tls', certAged(['one.example'], 10), managed()),
  );
  const result = plan({
    ingresses,
    secrets: snapshot,
    nowMs: NOW_MS,
    policy: planPolicy(),
    random: () => 0.5,
  });

  it('plan() decides every desired certificate, sorted by key', () => {
    assert.deepEqual(
      result.entries.map((e) => [e.desired.key, e.observed.state, e.decision.kind]),
      [
        ['default/due-tls', 'present', 'issue'],
        ['default/foreign-tls', 'foreign', 'skip'],
        ['default/fresh-tls', 'absent', 'issue'],
        ['default/valid-tls', 'present', 'wait'],
      ],
    );
  });

  it('plan() carries the configuration problems and ignored ingresses', () => {
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['WildcardNeedsDns01', 'SecretConflict', 'SecretConflict'],
    );
    assert.deepEqual(
      result.ignored.map((i) => i.ingress.name),
      ['off'],
    );
  });

  it('plan() lists our secrets no ingress names any more, not conflicted ones, without deciding to delete them', () => {
    assert.deepEqual(result.orphaned, ['default/gone-tls']);
  });

  it('plan() reports the earliest wake-up among waiting certificates', () => {
    assert.equal(result.nextWakeMs, validCert.notBeforeMs + 60 * 86_400_000);
  });

  it('plan() asks for no write on a steady certificate whose schedule is recorded', () => {
    const entry = result.entries.find((e) => e.desired.key === 'default/valid-tls');
    assert.equal(entry?.decision.kind, 'wait');
    assert.equal(entry.decision.persist, undefined);
  });
});
