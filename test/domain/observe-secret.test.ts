import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { observeSecret } from '../../src/domain/observe-secret.js';
import type { SecretSnapshot } from '../../src/domain/types.js';
import {
  DAY_MS,
  NOW_MS,
  OPT_IN,
  cert,
  certAged,
  desired,
  legacyAnnotated,
  managed,
  record,
  secret,
  withDataKeys,
  withInvalidCert,
  withRecord,
  withSecretAnnotation,
  withType,
} from '../support/builders.js';

const want = desired(['a.example', 'b.example']);
const valid = cert(['a.example', 'b.example']);

describe('observeSecret()', () => {
  const cases: { name: string; secret: SecretSnapshot | undefined; state: string; detail?: string }[] = [
    { name: 'reports a missing secret as absent', secret: undefined, state: 'absent' },
    { name: 'recognises our label', secret: secret('web-tls', valid, managed()), state: 'present' },
    {
      name: 'recognises a secret issued by kube-lego 0.1.7 by its annotation',
      secret: secret('web-tls', valid, legacyAnnotated()),
      state: 'present',
    },
    {
      name: 'recognises the legacy annotation case-insensitively',
      secret: secret('web-tls', valid, withSecretAnnotation(OPT_IN, 'True')),
      state: 'present',
    },
    {
      name: 'reports our secret with an empty tls.crt as unparseable',
      secret: secret('web-tls', undefined, managed()),
      state: 'unparseable',
      detail: 'tls.crt is missing or empty',
    },
    {
      name: 'reports our secret with garbage in tls.crt as unparseable',
      secret: secret('web-tls', undefined, managed(), withInvalidCert('not PEM')),
      state: 'unparseable',
      detail: 'not PEM',
    },
    {
      name: 'never touches a secret of another type, even ours (bug 5)',
      secret: secret('web-tls', valid, managed(), withType('Opaque')),
      state: 'foreign',
      detail: 'WrongType',
    },
    {
      name: 'never touches a secret with other data keys',
      secret: secret(
        'web-tls',
        cert(['x.example'], { selfSigned: true }),
        withDataKeys('tls.crt', 'tls.key', 'password'),
      ),
      state: 'foreign',
      detail: 'ExtraDataKeys',
    },
    {
      name: 'never touches a valid certificate from another issuer covering the hosts',
      secret: secret('web-tls', valid),
      state: 'foreign',
      detail: 'ValidForeignCertificate',
    },
    {
      name: "adopts the seed's self-signed openssl placeholder",
      secret: secret('web-tls', cert(['DNS 이름'], { selfSigned: true, notAfterMs: NOW_MS + 3650 * DAY_MS })),
      state: 'adoptable',
      detail: 'SelfSigned',
    },
    {
      name: 'adopts a placeholder with a ca.crt key',
      secret: secret(
        'web-tls',
        cert(['a.example', 'b.example'], { selfSigned: true }),
        withDataKeys('tls.crt', 'tls.key', 'ca.crt'),
      ),
      state: 'adoptable',
      detail: 'SelfSigned',
    },
    {
      name: 'adopts an expired certificate',
      secret: secret('web-tls', certAged(['a.example', 'b.example'], 100)),
      state: 'adoptable',
      detail: 'Expired',
    },
    {
      name: 'adopts a certificate not covering the hosts',
      secret: secret('web-tls', cert(['a.example'])),
      state: 'adoptable',
      detail: 'NotCoveringHosts',
    },
    {
      name: 'adopts an unreadable placeholder',
      secret: secret('web-tls', undefined, withInvalidCert('not PEM')),
      state: 'adoptable',
      detail: 'Unparseable',
    },
  ];
  for (const c of cases) {
    it(`observeSecret() ${c.name}`, () => {
      const { observed } = observeSecret(c.secret, want, NOW_MS, OPT_IN);
      assert.equal(observed.state, c.state);
      if (observed.state === 'foreign') assert.equal(observed.reason, c.detail);
      if (observed.state === 'adoptable') assert.equal(observed.why, c.detail);
      if (observed.state === 'unparseable') assert.equal(observed.problem, c.detail);
    });
  }

  it('observeSecret() tells the user what to do about a foreign secret', () => {
    const { observed } = observeSecret(secret('web-tls', valid, withType('Opaque')), want, NOW_MS, OPT_IN);
    assert.equal(observed.state, 'foreign');
    assert.equal(
      observed.message,
      'Cannot store certificate in secret "default/web-tls": it has type "Opaque" and kube-lego writes kubernetes.io/tls; delete the secret or use another secretName',
    );
  });

  it('observeSecret() reads the issuance record of our secret', () => {
    const stored = record({
      failures: 2,
      retryNotBeforeMs: NOW_MS + 60_000,
      hosts: ['a.example', 'b.example'],
    });
    const { observed } = observeSecret(
      secret('web-tls', valid, managed(), withRecord(stored)),
      want,
      NOW_MS,
      OPT_IN,
    );
    assert.equal(observed.state, 'present');
    assert.deepEqual(observed.record, stored);
  });

  it('observeSecret() reports unreadable annotations as problems without failing', () => {
    const { observed, problems } = observeSecret(
      secret('web-tls', valid, managed(), withSecretAnnotation('kube-lego/failures', 'many')),
      want,
      NOW_MS,
      OPT_IN,
    );
    assert.equal(observed.state, 'present');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'kube-lego/failures');
  });
});
