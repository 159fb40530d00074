import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateReadiness, type CertificateReadiness } from '../../src/domain/certificate-readiness.js';
import type { ObservedSecret } from '../../src/domain/types.js';
import { cert, certAged, DAY_MS, desired, HOUR_MS, NOW_MS, record } from '../support/builders.js';

const HOSTS = ['web.example.test'];
const MINIMUM_VALIDITY_MS = 30 * DAY_MS;

function statusOf(observed: ObservedSecret, hosts: readonly string[] = HOSTS): CertificateReadiness {
  return certificateReadiness({
    want: desired(hosts),
    observed,
    nowMs: NOW_MS,
    minimumValidityMs: MINIMUM_VALIDITY_MS,
  });
}

describe('certificateReadiness()', () => {
  const cases: [string, ObservedSecret, Partial<CertificateReadiness>][] = [
    ['is Unknown while no certificate exists and nothing failed', { state: 'absent' }, { ready: 'Unknown' }],
    [
      'is Unknown while only the temporary self-signed certificate is stored and nothing failed',
      { state: 'present', cert: cert(HOSTS, { selfSigned: true }), record: record() },
      { ready: 'Unknown', temporary: true },
    ],
    [
      "is Unknown and temporary while the user's own self-signed placeholder waits to be adopted",
      { state: 'adoptable', why: 'SelfSigned', cert: cert(HOSTS, { selfSigned: true }) },
      { ready: 'Unknown', temporary: true },
    ],

    [
      'is False once the first issuance failed, with the failures and the retry time',
      {
        state: 'present',
        cert: cert(HOSTS, { selfSigned: true }),
        record: record({
          failures: 2,
          retryNotBeforeMs: NOW_MS + HOUR_MS,
          lastFailureReason: 'ChallengeFailed',
        }),
      },
      { ready: 'False', failures: 2, retryNotBeforeMs: NOW_MS + HOUR_MS, rateLimited: false },
    ],
    [
      'is False for a Secret kube-lego may not touch',
      { state: 'foreign', reason: 'WrongType', message: 'wrong type' },
      { ready: 'False' },
    ],
    [
      'is True for a valid CA certificate covering the hosts, renewing at the persisted time',
      {
        state: 'present',
        cert: certAged(HOSTS, 10),
        record: record({
          notAfterMs: NOW_MS + 80 * DAY_MS,
          renewAtMs: NOW_MS + 40 * DAY_MS,
          ariWindow: { startMs: NOW_MS + 39 * DAY_MS, endMs: NOW_MS + 41 * DAY_MS },
        }),
      },
      {
        ready: 'True',
        notBeforeMs: NOW_MS - 10 * DAY_MS,
        notAfterMs: NOW_MS + 80 * DAY_MS,
        renewAtMs: NOW_MS + 40 * DAY_MS,
        ariWindow: { startMs: NOW_MS + 39 * DAY_MS, endMs: NOW_MS + 41 * DAY_MS },
      },
    ],
    [
      'falls back to the lifetime rule when the persisted renewal time belongs to another certificate',
      {
        state: 'present',
        cert: certAged(HOSTS, 1, 6),
        record: record({ notAfterMs: NOW_MS + 50 * DAY_MS, renewAtMs: NOW_MS + 20 * DAY_MS }),
      },
      // A 6-day certificate renews at half its lifetime.
      { ready: 'True', renewAtMs: NOW_MS - DAY_MS + 3 * DAY_MS },
    ],
    [
      'is False for an expired certificate',
      { state: 'present', cert: certAged(HOSTS, 91), record: record() },
      { ready: 'False' },
    ],
    [
      'is rate-limited while a RateLimited failure is waited out',
      {
        state: 'present',
        cert: certAged(HOSTS, 70),
        record: record({ failures: 1, lastFailureReason: 'RateLimited', retryNotBeforeMs: NOW_MS + 1000 }),
      },
      { ready: 'True', failures: 1, rateLimited: true },
    ],
    [
      'is no longer rate-limited once the Retry-After has passed',
      {
        state: 'present',
        cert: certAged(HOSTS, 70),
        record: record({ failures: 1, lastFailureReason: 'RateLimited', retryNotBeforeMs: NOW_MS - 1000 }),
      },
      { rateLimited: false },
    ],
  ];
  for (const [name, observed, expected] of cases) {
    it(`certificateReadiness() ${name}`, () => {
      const status = statusOf(observed);
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual(status[key as keyof CertificateReadiness], value, key);
    });
  }

  it('certificateReadiness() is not temporary for a CA certificate, valid or expired and being adopted', () => {
    assert.equal(
      statusOf({ state: 'adoptable', why: 'Expired', cert: certAged(HOSTS, 100) }).temporary,
      undefined,
    );
    const valid: ObservedSecret = { state: 'present', cert: certAged(HOSTS, 10), record: record() };
    assert.equal(statusOf(valid).temporary, undefined);
  });

  it('certificateReadiness() is False when the desired hosts are no longer covered', () => {
    const observed: ObservedSecret = { state: 'present', cert: certAged(HOSTS, 10), record: record() };
    assert.equal(statusOf(observed, ['web.example.test', 'new.example.test']).ready, 'False');
  });

  it('certificateReadiness() reports no validity for the temporary certificate', () => {
    const status = statusOf({ state: 'present', cert: cert(HOSTS, { selfSigned: true }), record: record() });
    assert.equal(status.notAfterMs, undefined);
    assert.equal(status.renewAtMs, undefined);
  });
});
