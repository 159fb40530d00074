import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { SecretValue } from '../../src/config/secret-value.js';

describe('SecretValue', () => {
  const secret = new SecretValue('c2VjcmV0LWhtYWMta2V5');

  it('reveal() returns the value', () => {
    assert.equal(secret.reveal(), 'c2VjcmV0LWhtYWMta2V5');
  });

  it('never shows the value in strings, JSON or inspect output', () => {
    const dumps = [
      String(secret),
      secret.toString(),
      `${String(secret)}!`,
      JSON.stringify({ eab: { hmacKey: secret } }),
      inspect({ nested: { secret } }, { depth: 10, showHidden: true }),
    ];
    for (const dump of dumps) {
      assert.doesNotMatch(dump, /c2VjcmV0/);
      assert.match(dump, /\[redacted\]/);
    }
  });
});
