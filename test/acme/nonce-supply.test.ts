import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonceSupply } from '../../src/acme/nonce-supply.js';

/** A fake newNonce endpoint that counts its calls; each call answers after a tick. */
function fakeServer(): { fetchNonce: () => Promise<string>; fetches: () => number } {
  let count = 0;
  return {
    fetchNonce: async () => {
      count += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return `fetched${count}`;
    },
    fetches: () => count,
  };
}

/** Simulates one signed request: take a nonce, "send", get a fresh nonce back, release. */
async function request(supply: NonceSupply, reply: string): Promise<string> {
  const nonce = await supply.take();
  try {
    await new Promise((resolve) => setImmediate(resolve));
    supply.offer(reply);
    return nonce;
  } finally {
    supply.release();
  }
}

describe('NonceSupply', () => {
  it('fetches a nonce only when the pool is empty and nothing is in flight', async () => {
    const server = fakeServer();
    const supply = new NonceSupply(server.fetchNonce);
    assert.equal(await request(supply, 'r1'), 'fetched1');
    assert.equal(await request(supply, 'r2'), 'r1');
    assert.equal(server.fetches(), 1);
  });

  it('lets concurrent requests wait for nonces in flight instead of fetching each', async () => {
    const server = fakeServer();
    const supply = new NonceSupply(server.fetchNonce);
    const used = await Promise.all(['a', 'b', 'c', 'd'].map((reply) => request(supply, reply)));
    assert.equal(server.fetches(), 1, 'one newNonce for four concurrent requests');
    assert.equal(new Set(used).size, 4, 'no nonce was used twice');
    assert.equal(supply.pooled, 1, 'the last reply is kept for the next request');
  });

  it('falls back to fetching when the requests in flight bring no nonce back', async () => {
    const server = fakeServer();
    const supply = new NonceSupply(server.fetchNonce);
    const first = await supply.take();
    const waiting = supply.take();
    supply.release(); // the first request failed without a Replay-Nonce
    const second = await waiting;
    supply.release();
    assert.notEqual(first, second);
    assert.equal(server.fetches(), 2);
  });

  it('releases the reservation when fetching fails', async () => {
    let calls = 0;
    const supply = new NonceSupply(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve('ok');
    });
    await assert.rejects(supply.take(), /down/);
    assert.equal(await supply.take(), 'ok', 'a later take is not stuck waiting');
    supply.release();
  });
});
