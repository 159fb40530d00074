import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goQuote } from '../../src/log/go-quote.js';

describe('goQuote() matches Go strconv.Quote', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['', '""'],
    ['plain', '"plain"'],
    ['a b', '"a b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['line1\nline2', '"line1\\nline2"'],
    ['\t\r\v\f\b\u0007', '"\\t\\r\\v\\f\\b\\a"'],
    ['\u0000\u001b\u007f', '"\\x00\\x1b\\x7f"'],
    ['héllo wörld', '"héllo wörld"'],
    ['日本語', '"日本語"'],
    ['🔒 locked', '"🔒 locked"'],
    ['no\u00a0break', '"no\\u00a0break"'],
    ['zero\u200bwidth', '"zero\\u200bwidth"'],
    ['tag\u{e0001}', '"tag\\U000e0001"'],
    ['lone\ud800', '"lone\ufffd"'],
  ];
  for (const [input, expected] of cases) {
    it(`quotes ${JSON.stringify(input)} as ${expected}`, () => {
      assert.equal(goQuote(input), expected);
    });
  }
});
