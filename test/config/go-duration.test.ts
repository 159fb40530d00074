import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from '../../src/config/go-duration.js';

describe('parseGoDuration()', () => {
  const valid: readonly (readonly [string, number])[] = [
    ['0', 0],
    ['30s', 30_000],
    ['5m', 300_000],
    ['720h', 2_592_000_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5h', 1_800_000],
    ['1.h', 3_600_000],
    ['300ms', 300],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['-2m', -120_000],
    ['+2m', 120_000],
    ['1h0m0s', 3_600_000],
    ['2562047h', 2562047 * 3_600_000],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(parseGoDuration(text), ms);
    });
  }

  const invalid = ['', '30', '1d', '5 m', 'm', '.h', '-', '1h30', 'h1', '1.5.5h', ' 5m', '2562048h', '0x10s'];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)} as Go's time.ParseDuration does`, () => {
      assert.equal(parseGoDuration(text), undefined);
    });
  }
});
