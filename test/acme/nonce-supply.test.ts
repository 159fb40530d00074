import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
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

  it('stops waiting when the caller aborts', async () => {
    const supply = new NonceSupply(fakeServer().fetchNonce);
    await supply.take(); // a request in flight
    const controller = new AbortController();
    const waiting = supply.take(controller.signal);
    controller.abort(new Error('shutting down'));
    await assert.rejects(waiting, /shutting down/);
    supply.offer('late');
    supply.release();
    assert.equal(supply.pooled, 1, 'the aborted waiter did not swallow the next nonce');
  });

  it('shares one abort listener among all waiters on one signal (100 authorizations of one order)', async () => {
    const supply = new NonceSupply(fakeServer().fetchNonce);
    await supply.take(); // a request in flight
    const controller = new AbortController();
    const waiting = Array.from({ length: 100 }, () => supply.take(controller.signal));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    for (let i = 0; i < 100; i++) supply.offer(`n${i}`);
    assert.deepEqual((await Promise.all(waiting)).length, 100);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'removed with the last waiter');
  });

  it('rejects every waiter of a signal when it aborts, and leaves other waiters alone', async () => {
    const supply = new NonceSupply(fakeServer().fetchNonce);
    await supply.take(); // a request in flight
    const order = new AbortController();
    const other = new AbortController();
    const aborted = [supply.take(order.signal), supply.take(order.signal)];
    const kept = supply.take(other.signal);
    order.abort(new Error('deadline'));
    for (const waiting of aborted) await assert.rejects(waiting, /deadline/);
    assert.equal(getEventListeners(order.signal, 'abort').length, 0);
    supply.offer('next');
    assert.equal(await kept, 'next');
    assert.equal(getEventListeners(other.signal, 'abort').length, 0);
  });
});
