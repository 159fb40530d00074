import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_UNAVAILABLE_MAX_DELAY_MS, caUnavailableDelayMs } from '../../src/domain/backoff.js';
import { decide } from '../../src/domain/decide.js';
import { recordFailure } from '../../src/domain/record-outcome.js';
import type { IssuanceRecord } from '../../src/domain/types.js';
import { MINUTE_MS, NOW_MS, cert, decisionPolicy, desired, record } from '../support/builders.js';

const hosts = ['a.example'];

describe('a CA that is unavailable is waited for, never counted as a failure (issue 18 defect 8)', () => {
  it('caUnavailableDelayMs() starts short, doubles and is capped', () => {
    assert.equal(caUnavailableDelayMs(undefined), 30_000);
    assert.equal(caUnavailableDelayMs(30_000), 60_000);
    assert.equal(caUnavailableDelayMs(4 * MINUTE_MS), CA_UNAVAILABLE_MAX_DELAY_MS);
    assert.equal(caUnavailableDelayMs(CA_UNAVAILABLE_MAX_DELAY_MS), CA_UNAVAILABLE_MAX_DELAY_MS);
    assert.ok(CA_UNAVAILABLE_MAX_DELAY_MS <= 5 * MINUTE_MS);
  });

  it('recordFailure() after a 60 s outage leaves the failure count alone, so the next failure is in the 1-minute tier', () => {
    let current: IssuanceRecord = record({ failures: 0 });
    let nowMs = NOW_MS;
    while (nowMs < NOW_MS + 60_000) {
      current = recordFailure(current, { reason: 'CaUnavailable', hosts, nowMs });
      assert.equal(current.failures, 0, 'CA unavailable is not a failure of the order');
      assert.equal(current.lastFailureReason, 'CaUnavailable');
      nowMs = current.retryNotBeforeMs ?? assert.fail('a retry time is set');
    }
    const failed = recordFailure(current, { reason: 'OrderFailed', hosts, nowMs });
    assert.equal(failed.failures, 1);
    assert.equal((failed.retryNotBeforeMs ?? 0) - nowMs, MINUTE_MS, 'the first failure tier, not 10 minutes');
  });

  it('recordFailure() waits the CA a capped, growing delay, and exactly its Retry-After when it sent one', () => {
    let current: IssuanceRecord = record({ failures: 2 });
    let nowMs = NOW_MS;
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      current = recordFailure(current, { reason: 'CaUnavailable', hosts, nowMs });
      const next = current.retryNotBeforeMs ?? assert.fail('a retry time is set');
      delays.push(next - nowMs);
      nowMs = next;
    }
    assert.deepEqual(delays, [30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    assert.equal(current.failures, 2, 'earlier failures are kept, none added');
    const told = recordFailure(current, { reason: 'CaUnavailable', hosts, nowMs, retryAfterMs: 90_000 });
    assert.equal((told.retryNotBeforeMs ?? 0) - nowMs, 90_000);
  });

  it('decide() waits for an unavailable CA and says so, not as a rate limit', () => {
    const until = NOW_MS + 30_000;
    const decision = decide(
      desired(hosts),
      {
        state: 'unparseable',
        problem: 'a temporary certificate',
        record: record({ hosts, lastFailureReason: 'CaUnavailable', retryNotBeforeMs: until }),
      },
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
    assert.equal(decision.why, 'CaUnavailable');
    assert.equal(decision.untilMs, until);
    assert.match(decision.detail, /the CA was unavailable/);
    assert.doesNotMatch(decision.detail, /rate-limited/);
  });

  it('decide() keeps waiting for the CA when the hosts changed (the CA is down for every order)', () => {
    const decision = decide(
      desired(['a.example', 'b.example']),
      {
        state: 'present',
        cert: cert(hosts),
        record: record({ hosts, lastFailureReason: 'CaUnavailable', retryNotBeforeMs: NOW_MS + 30_000 }),
      },
      NOW_MS,
      decisionPolicy(),
      0.5,
    );
    assert.equal(decision.kind, 'wait');
  });
});
