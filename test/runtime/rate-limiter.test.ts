import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  defaultControllerRateLimiter,
} from '../../src/runtime/rate-limiter.js';

describe('ItemExponentialRateLimiter', () => {
  it('ItemExponentialRateLimiter doubles the delay per retry up to the cap', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 100 });
    const delays = Array.from({ length: 6 }, () => limiter.when('a', 0));
    assert.deepEqual(delays, [10, 20, 40, 80, 100, 100]);
  });

  it('ItemExponentialRateLimiter keeps keys apart and starts over after forget()', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 100 });
    limiter.when('a', 0);
    limiter.when('a', 0);
    assert.equal(limiter.when('b', 0), 10);
    limiter.forget('a');
    assert.equal(limiter.when('a', 0), 10);
  });

  it('ItemExponentialRateLimiter never overflows after thousands of retries', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    let last = 0;
    for (let i = 0; i < 2000; i++) last = limiter.when('a', 0);
    assert.equal(last, 1_000_000);
  });

  it('ItemExponentialRateLimiter refuses a base delay above the maximum', () => {
    assert.throws(() => new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 1 }), RangeError);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('TokenBucketRateLimiter lets a burst through, then spaces retries by the rate', () => {
    const limiter = new TokenBucketRateLimiter({ ratePerSecond: 10, burst: 3 });
    const delays = Array.from({ length: 5 }, (_, i) => limiter.when(`k${i}`, 0));
    assert.deepEqual(delays, [0, 0, 0, 100, 200]);
  });

  it('TokenBucketRateLimiter refills over time', () => {
    const limiter = new TokenBucketRateLimiter({ ratePerSecond: 10, burst: 1 });
    assert.equal(limiter.when('a', 0), 0);
    assert.equal(limiter.when('a', 0), 100);
    assert.equal(limiter.when('a', 1000), 0);
  });
});

describe('MaxOfRateLimiter', () => {
  it('MaxOfRateLimiter returns the longest delay and forgets in every limiter', () => {
    const limiter = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000 }),
      new TokenBucketRateLimiter({ ratePerSecond: 1, burst: 1 }),
    );
    assert.equal(limiter.when('a', 0), 10);
    assert.equal(limiter.when('b', 0), 1000);
    assert.equal(limiter.numRequeues('a'), 1);
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
  });

  it('defaultControllerRateLimiter() starts at 5 ms', () => {
    assert.equal(defaultControllerRateLimiter().when('a', 0), 5);
  });
});
