import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyPool } from '../../src/x509/key-pool.js';
import { keyToPem } from '../../src/x509/private-key.js';

describe('KeyPool', () => {
  it('hands out a fresh RSA 2048 key at every take() and makes two ahead', async () => {
    const pool = KeyPool.forSpec({ type: 'rsa', bits: 2048 });
    assert.equal(pool.ahead, 0, 'nothing is made before the first take()');
    const keys = [await pool.take()];
    assert.equal(pool.ahead, 2);
    keys.push(await pool.take(), await pool.take(), await pool.take());
    assert.equal(pool.ahead, 2);
    for (const key of keys) {
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    }
    assert.equal(new Set(keys.map((key) => keyToPem(key))).size, keys.length, 'no key is handed out twice');
  });

  it('makes ECDSA keys on demand, keeping none ahead', async () => {
    const pool = KeyPool.forSpec({ type: 'ecdsa', curve: 'P-256' });
    const first = await pool.take();
    const second = await pool.take();
    assert.equal(pool.ahead, 0);
    assert.equal(first.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.notEqual(keyToPem(first), keyToPem(second));
  });
});
