import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineHeap } from '../../src/runtime/deadline-heap.js';
import { seededRandom } from '../support/seeded-random.js';

function drain(heap: DeadlineHeap): string[] {
  const keys: string[] = [];
  for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) keys.push(entry.key);
  return keys;
}

describe('DeadlineHeap', () => {
  it('DeadlineHeap pops the earliest deadline first, ties in insertion order', () => {
    const heap = new DeadlineHeap();
    heap.push('c', 30);
    heap.push('a1', 10);
    heap.push('b', 20);
    heap.push('a2', 10);
    assert.equal(heap.peek()?.key, 'a1');
    assert.deepEqual(drain(heap), ['a1', 'a2', 'b', 'c']);
    assert.equal(heap.pop(), undefined);
    assert.equal(heap.size, 0);
  });

  it('DeadlineHeap orders thousands of random deadlines as a sort would', () => {
    const random = seededRandom(7);
    const heap = new DeadlineHeap();
    const entries = Array.from({ length: 5_000 }, (_, i) => ({
      key: `k${i}`,
      dueAtMs: Math.floor(random() * 1000),
    }));
    for (const { key, dueAtMs } of entries) heap.push(key, dueAtMs);
    const expected = [...entries].sort(
      (x, y) => x.dueAtMs - y.dueAtMs || Number(x.key.slice(1)) - Number(y.key.slice(1)),
    );
    assert.deepEqual(
      drain(heap),
      expected.map((e) => e.key),
    );
  });

  it('DeadlineHeap.retain() drops rejected entries and keeps the order of the rest', () => {
    const heap = new DeadlineHeap();
    for (let i = 0; i < 100; i++) heap.push(`k${i}`, 100 - i);
    heap.retain(({ key }) => Number(key.slice(1)) % 3 === 0);
    assert.equal(heap.size, 34);
    heap.push('early', 0);
    const keys = drain(heap);
    assert.equal(keys[0], 'early');
    assert.deepEqual(
      keys.slice(1),
      Array.from({ length: 34 }, (_, j) => `k${99 - j * 3}`),
    );
  });
});
