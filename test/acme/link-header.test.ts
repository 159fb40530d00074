import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alternateLinks } from '../../src/acme/link-header.js';

describe('alternateLinks()', () => {
  const base = 'https://ca.test/acme/cert/abc';
  const cases: { what: string; header: string | string[] | undefined; expected: string[] }[] = [
    { what: 'no header', header: undefined, expected: [] },
    {
      what: 'one alternate among other relations',
      header: '<https://ca.test/dir>;rel="index", <https://ca.test/acme/cert/abc/1>;rel="alternate"',
      expected: ['https://ca.test/acme/cert/abc/1'],
    },
    {
      what: 'relative targets and an unquoted rel',
      header: '</acme/cert/abc/1>; rel=alternate, </acme/cert/abc/2>; rel="alternate"',
      expected: ['https://ca.test/acme/cert/abc/1', 'https://ca.test/acme/cert/abc/2'],
    },
    {
      what: 'repeated headers',
      header: ['<https://ca.test/a>;rel="alternate"', '<https://ca.test/up>;rel="up"'],
      expected: ['https://ca.test/a'],
    },
    {
      what: 'a relation that only contains the word',
      header: '<https://ca.test/x>;rel="alternates"',
      expected: [],
    },
  ];
  for (const { what, header, expected } of cases) {
    it(`reads ${what}`, () => {
      assert.deepEqual(alternateLinks(header, base), expected);
    });
  }
});
