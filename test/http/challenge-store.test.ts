import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryChallengeStore } from '../../src/http/challenge-store.js';
import { createInstanceId } from '../../src/http/instance-id.js';
import { requestHost } from '../../src/http/request-host.js';

describe('MemoryChallengeStore', () => {
  it('MemoryChallengeStore keeps several tokens per host apart (bug 10)', () => {
    const store = new MemoryChallengeStore();
    store.add('a.example', 't1', 'k1');
    store.add('a.example', 't2', 'k2');
    assert.equal(store.lookup('a.example', 't1'), 'k1');
    assert.equal(store.lookup('a.example', 't2'), 'k2');
  });

  it('MemoryChallengeStore frees every token once removed, so nothing leaks (bug 10)', () => {
    const store = new MemoryChallengeStore();
    for (let i = 0; i < 100; i++) store.add(`h${i}.example`, `t${i}`, `k${i}`);
    for (let i = 0; i < 100; i++) store.remove(`H${i}.EXAMPLE`, `t${i}`);
    assert.equal(store.size, 0);
  });

  it('MemoryChallengeStore tells when a token was fetched: after the answer, or at once when it already was', async () => {
    const store = new MemoryChallengeStore();
    store.add('a.example', 't1', 'k1');
    const order: string[] = [];
    const first = store.whenFetched('A.example', 't1').then(() => order.push('waiter'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.length, 0, 'not fetched yet');
    store.markFetched('a.example', 'unknown');
    store.markFetched('a.example', 't1');
    order.push('fetched');
    await first;
    await store.whenFetched('a.example', 't1');
    assert.deepEqual(order, ['fetched', 'waiter']);
    // Presented again (a new order for the same token is not possible, but a re-add resets the mark).
    store.add('a.example', 't1', 'k1');
    let again = false;
    void store.whenFetched('a.example', 't1').then(() => {
      again = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(again, false);
  });

  it('MemoryChallengeStore answers only the exact token on the exact host', () => {
    const store = new MemoryChallengeStore();
    store.add('A.example', 'Token', 'k');
    assert.equal(store.lookup('a.example', 'Token'), 'k');
    assert.equal(store.lookup('a.example', 'token'), undefined);
    assert.equal(store.lookup('b.example', 'Token'), undefined);
    store.remove('a.example', 'unknown');
    assert.equal(store.size, 1);
  });
});

describe('requestHost()', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['a.example', 'a.example'],
    ['A.Example:8080', 'a.example'],
    ['a.example.', 'a.example'],
    ['[2001:DB8::1]', '2001:db8::1'],
    ['[2001:db8::1]:8080', '2001:db8::1'],
    ['192.0.2.1:80', '192.0.2.1'],
    ['2001:db8::1', undefined],
    ['a.example:http', undefined],
    ['[2001:db8::1', undefined],
    ['[]:80', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [header, host] of cases) {
    it(`requestHost() reads ${JSON.stringify(header)} as ${JSON.stringify(host)}`, () => {
      assert.equal(requestHost(header), host);
    });
  }
});

describe('createInstanceId()', () => {
  it('createInstanceId() makes 16 letters, different each time', () => {
    const a = createInstanceId();
    assert.match(a, /^[a-zA-Z]{16}$/);
    assert.notEqual(a, createInstanceId());
  });
});
