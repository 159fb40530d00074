import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DesiredProblemCode } from '../../src/domain/desired.js';
import {
  EVENT_REASONS,
  EVENT_TYPES,
  problemEventReason,
  type EventReason,
} from '../../src/domain/event-reasons.js';

describe('event reasons', () => {
  const cases: [DesiredProblemCode, EventReason][] = [
    ['SecretConflict', 'SecretConflict'],
    ['UnsupportedProvider', 'UnsupportedProvider'],
    ['WildcardNeedsDns01', 'InvalidIngress'],
    ['EmptySecretName', 'InvalidIngress'],
    ['TooManyNames', 'InvalidIngress'],
  ];
  for (const [code, reason] of cases) {
    it(`problemEventReason() reports ${code} as ${reason}, a Warning`, () => {
      assert.equal(problemEventReason(code), reason);
      assert.equal(EVENT_TYPES[reason], 'Warning');
    });
  }

  it('EVENT_TYPES records successes as Normal and everything a user must act on as Warning', () => {
    const normal = EVENT_REASONS.filter((r) => EVENT_TYPES[r] === 'Normal');
    assert.deepEqual(normal, [
      'CertificateIssued',
      'CertificateRenewed',
      'SecretAdopted',
      'TemporaryCertificateIssued',
      'CertificateServed',
      'CertificateNotCheckable',
    ]);
  });
});
