import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAILY_RETRY_MS, failureDelayMs, retryNotBeforeMs } from '../../src/domain/backoff.js';
import {
  recordAriWindow,
  recordFailure,
  recordIssued,
  recordOrderOpened,
} from '../../src/domain/record-outcome.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, NOW_MS, PRODUCTION, record } from '../support/builders.js';

describe('failureDelayMs()', () => {
  const cases: [number, number][] = [
    [1, MINUTE_MS],
    [2, 10 * MINUTE_MS],
    [3, 100 * MINUTE_MS],
    [4, DAILY_RETRY_MS],
    [50, DAILY_RETRY_MS],
  ];
  for (const [failures, delay] of cases) {
    it(`failureDelayMs() waits ${delay / MINUTE_MS} min after ${failures} failure(s), as Let's Encrypt advises`, () => {
      assert.equal(failureDelayMs(failures), delay);
    });
  }
});

describe('retryNotBeforeMs()', () => {
  it('retryNotBeforeMs() waits exactly Retry-After for a rate limit', () => {
    assert.equal(
      retryNotBeforeMs({ nowMs: NOW_MS, failures: 1, retryAfterMs: 3 * HOUR_MS }),
      NOW_MS + 3 * HOUR_MS,
    );
  });

  it('retryNotBeforeMs() rounds a fractional Retry-After up, never retrying early', () => {
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 1, retryAfterMs: 1500 }), NOW_MS + 2000);
  });

  it('retryNotBeforeMs() does not clamp a rate limit to the certificate expiry', () => {
    const current = { notBeforeMs: NOW_MS - 89 * DAY_MS, notAfterMs: NOW_MS + HOUR_MS };
    assert.equal(
      retryNotBeforeMs({ nowMs: NOW_MS, failures: 1, retryAfterMs: 2 * DAY_MS, current }),
      NOW_MS + 2 * DAY_MS,
    );
  });

  it('retryNotBeforeMs() uses the plain delay while the certificate lasts longer', () => {
    const current = { notBeforeMs: NOW_MS - 60 * DAY_MS, notAfterMs: NOW_MS + 30 * DAY_MS };
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 5, current }), NOW_MS + DAY_MS);
  });

  it('retryNotBeforeMs() pulls a daily retry before the expiry so one more try happens', () => {
    const current = { notBeforeMs: NOW_MS - 89 * DAY_MS, notAfterMs: NOW_MS + 12 * HOUR_MS };
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 5, current }), NOW_MS + 11 * HOUR_MS);
  });

  it('retryNotBeforeMs() scales the margin down for short-lived certificates', () => {
    const current = { notBeforeMs: NOW_MS - 4 * MINUTE_MS, notAfterMs: NOW_MS + MINUTE_MS };
    // Lifetime 5 min: margin 30 s, so the retry lands 30 s before expiry instead of 10 min later.
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 2, current }), NOW_MS + 30_000);
  });

  it('retryNotBeforeMs() stops clamping past the last chance, so the final hour is no retry storm', () => {
    const current = {
      notBeforeMs: NOW_MS - 90 * DAY_MS + 30 * MINUTE_MS,
      notAfterMs: NOW_MS + 30 * MINUTE_MS,
    };
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 4, current }), NOW_MS + DAY_MS);
  });

  it('retryNotBeforeMs() ignores an expired certificate', () => {
    const current = { notBeforeMs: NOW_MS - 91 * DAY_MS, notAfterMs: NOW_MS - DAY_MS };
    assert.equal(retryNotBeforeMs({ nowMs: NOW_MS, failures: 3, current }), NOW_MS + 100 * MINUTE_MS);
  });
});

describe('issuance record transitions', () => {
  it('recordFailure() counts the failure and schedules the retry', () => {
    const next = recordFailure(record({ failures: 1 }), {
      reason: 'ChallengeFailed',
      hosts: ['a.example'],
      nowMs: NOW_MS,
    });
    assert.deepEqual(next, {
      failures: 2,
      hosts: ['a.example'],
      lastFailureMs: NOW_MS,
      lastFailureReason: 'ChallengeFailed',
      retryNotBeforeMs: NOW_MS + 10 * MINUTE_MS,
    });
  });

  it('recordFailure() does not count a rate limit as a failure and waits exactly Retry-After', () => {
    const next = recordFailure(record({ failures: 2 }), {
      reason: 'RateLimited',
      hosts: ['a.example'],
      nowMs: NOW_MS,
      retryAfterMs: 34 * HOUR_MS,
    });
    assert.equal(next.failures, 2);
    assert.equal(next.retryNotBeforeMs, NOW_MS + 34 * HOUR_MS);
  });

  it('recordFailure() clears a renew request, so a failing forced renewal falls back to the backoff', () => {
    const next = recordFailure(record({ renewRequestedMs: NOW_MS - MINUTE_MS }), {
      reason: 'ChallengeFailed',
      hosts: ['a.example'],
      nowMs: NOW_MS,
    });
    assert.equal(next.renewRequestedMs, undefined);
  });

  it('recordFailure() clears the order in flight unless it is still usable', () => {
    const opened = recordOrderOpened(record(), 'https://ca.example/order/1', ['a.example']);
    assert.equal(
      recordFailure(opened, { reason: 'ChallengeFailed', hosts: ['a.example'], nowMs: NOW_MS }).orderUrl,
      undefined,
    );
    const kept = recordFailure(opened, {
      reason: 'Timeout',
      hosts: ['a.example'],
      nowMs: NOW_MS,
      orderUrl: 'https://ca.example/order/1',
    });
    assert.equal(kept.orderUrl, 'https://ca.example/order/1');
  });

  it("recordFailure() keeps the issued certificate's directory and renewal time", () => {
    const issued = recordIssued({
      hosts: ['a.example'],
      directoryUrl: PRODUCTION,
      validity: { notBeforeMs: NOW_MS, notAfterMs: NOW_MS + 90 * DAY_MS },
      ingresses: ['default/web'],
      minimumValidityMs: 30 * DAY_MS,
    });
    const failed = recordFailure(issued, { reason: 'OrderFailed', hosts: ['a.example'], nowMs: NOW_MS });
    assert.equal(failed.directoryUrl, PRODUCTION);
    assert.equal(failed.renewAtMs, NOW_MS + 60 * DAY_MS);
  });

  it('recordIssued() resets the failure state and records the schedule', () => {
    assert.deepEqual(
      recordIssued({
        hosts: ['a.example'],
        directoryUrl: PRODUCTION,
        validity: { notBeforeMs: NOW_MS, notAfterMs: NOW_MS + 90 * DAY_MS },
        ingresses: ['default/web'],
        minimumValidityMs: 30 * DAY_MS,
      }),
      {
        hosts: ['a.example'],
        directoryUrl: PRODUCTION,
        notAfterMs: NOW_MS + 90 * DAY_MS,
        renewAtMs: NOW_MS + 60 * DAY_MS,
        failures: 0,
        ingresses: ['default/web'],
      },
    );
  });

  it('recordAriWindow() sets and clears the window', () => {
    const window = { startMs: NOW_MS, endMs: NOW_MS + DAY_MS };
    assert.deepEqual(recordAriWindow(record(), window).ariWindow, window);
    assert.equal(recordAriWindow(record({ ariWindow: window }), undefined).ariWindow, undefined);
  });

  it("recordAriWindow() keeps the CA's explanation URL with its window, and drops it with the window", () => {
    const window = { startMs: NOW_MS, endMs: NOW_MS + DAY_MS, explanationUrl: 'https://ca.example/why' };
    assert.equal(recordAriWindow(record(), window).ariExplanationUrl, 'https://ca.example/why');
    const withUrl = record({ ariWindow: window, ariExplanationUrl: 'https://ca.example/why' });
    assert.equal(
      recordAriWindow(withUrl, { startMs: NOW_MS, endMs: NOW_MS + DAY_MS }).ariExplanationUrl,
      undefined,
    );
    assert.equal(recordAriWindow(withUrl, undefined).ariExplanationUrl, undefined);
  });
});
