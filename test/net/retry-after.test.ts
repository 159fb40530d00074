import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../src/net/retry-after.js';

const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('parseRetryAfter()', () => {
  const cases: { header: string | string[] | undefined; expectedMs: number | undefined; why: string }[] = [
    { header: '120', expectedMs: 120_000, why: 'delay-seconds' },
    { header: '0', expectedMs: 0, why: 'zero seconds' },
    { header: ' 3 ', expectedMs: 3_000, why: 'surrounding whitespace' },
    { header: 'Sat, 28 Nov 2026 12:01:00 GMT', expectedMs: 60_000, why: 'IMF-fixdate in the future' },
    { header: 'Saturday, 28-Nov-26 12:00:30 GMT', expectedMs: 30_000, why: 'obsolete RFC 850 date' },
    { header: 'Sat Nov 28 12:00:10 2026', expectedMs: 10_000, why: 'obsolete asctime date' },
    { header: 'Fri, 27 Nov 2026 12:00:00 GMT', expectedMs: 0, why: 'a date in the past' },
    { header: ['7', '9'], expectedMs: 7_000, why: 'the first of repeated headers' },
    { header: undefined, expectedMs: undefined, why: 'no header' },
    { header: '', expectedMs: undefined, why: 'an empty header' },
    { header: '-5', expectedMs: undefined, why: 'negative seconds' },
    { header: '1.5', expectedMs: undefined, why: 'fractional seconds' },
    { header: 'soon', expectedMs: undefined, why: 'text' },
    { header: '1 2 3', expectedMs: undefined, why: 'digits Date.parse would accept' },
    { header: '99999999999999999999', expectedMs: undefined, why: 'an absurd number of seconds' },
  ];
  for (const { header, expectedMs, why } of cases) {
    it(`gives ${String(expectedMs)} for ${why} (${JSON.stringify(header)})`, () => {
      assert.equal(parseRetryAfter(header, NOW_MS), expectedMs);
    });
  }
});
