import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CNAME_DEPTH, nextCnameStep, zoneOf } from '../../src/domain/dns01-target.js';

describe('dns-01 record target', () => {
  const zones: [string, readonly string[], string | undefined][] = [
    ['_acme-challenge.www.example.com', ['example.com'], 'example.com'],
    ['_acme-challenge.WWW.Example.COM.', ['example.com.'], 'example.com'],
    ['_acme-challenge.a.sub.example.com', ['example.com', 'sub.example.com'], 'sub.example.com'],
    ['example.com', ['example.com'], 'example.com'],
    ['_acme-challenge.badexample.com', ['example.com'], undefined],
    ['_acme-challenge.www.example.org', ['example.com'], undefined],
  ];
  for (const [name, configured, expected] of zones) {
    it(`zoneOf() puts ${name} in ${expected ?? 'no zone'} of ${configured.join(', ')}`, () => {
      assert.equal(zoneOf(name, configured), expected);
    });
  }

  it('nextCnameStep() writes at the last name when it has no CNAME', () => {
    assert.deepEqual(nextCnameStep(['_acme-challenge.a.example', 'A.Acme.Example.'], undefined), {
      kind: 'write',
      name: 'a.acme.example',
    });
  });

  it('nextCnameStep() follows a CNAME to a new name', () => {
    assert.deepEqual(nextCnameStep(['_acme-challenge.a.example'], 'a.acme.example.'), {
      kind: 'follow',
      name: 'a.acme.example',
    });
  });

  it('nextCnameStep() refuses a loop, printing the chain', () => {
    assert.deepEqual(
      nextCnameStep(['_acme-challenge.a.example', 'b.example'], '_ACME-challenge.a.example.'),
      {
        kind: 'loop',
        detail:
          'the CNAMEs form a loop (_acme-challenge.a.example -> b.example -> _acme-challenge.a.example)',
      },
    );
  });

  it(`nextCnameStep() refuses more than ${MAX_CNAME_DEPTH} CNAMEs in a row`, () => {
    const chain = Array.from({ length: MAX_CNAME_DEPTH + 1 }, (_, i) => `n${i}.example`);
    const step = nextCnameStep(chain, 'next.example');
    assert.equal(step.kind, 'tooDeep');
    assert.equal(nextCnameStep(chain.slice(1), 'next.example').kind, 'follow');
  });
});
