import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoncePool } from '../../src/acme/nonce-pool.js';

describe('NoncePool', () => {
  it('hands out the newest nonce first and each only once', () => {
    const pool = new NoncePool();
    pool.add('first');
    pool.add('second');
    assert.equal(pool.take(), 'second');
    assert.equal(pool.take(), 'first');
    assert.equal(pool.take(), undefined);
  });

  it('ignores missing and non-base64url values', () => {
    const pool = new NoncePool();
    pool.add(undefined);
    pool.add('');
    pool.add('has space');
    pool.add('pad==');
    assert.equal(pool.size, 0);
  });

  it('drops the oldest nonce beyond its capacity', () => {
    const pool = new NoncePool(2);
    pool.add('a');
    pool.add('b');
    pool.add('c');
    assert.equal(pool.size, 2);
    assert.equal(pool.take(), 'c');
    assert.equal(pool.take(), 'b');
    assert.equal(pool.take(), undefined);
  });
});
