import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clampDelayMs, MAX_DELAY_MS } from '../../src/runtime/clamp-delay.js';
import { ItemExponentialRateLimiter } from '../../src/runtime/rate-limiter.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';
import { FakeClock } from '../support/fake-clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function setup(options: { maxDelayMs?: number } = {}): { clock: FakeClock; queue: WorkQueue } {
  const clock = new FakeClock(1_000_000);
  const queue = new WorkQueue({
    clock,
    rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 }),
    ...options,
  });
  return { clock, queue };
}

/** Resolves to the key if get() settles within the current microtask queue, else to 'pending'. */
async function peek(promise: Promise<string | undefined>): Promise<string | undefined> {
  return Promise.race([
    promise,
    new Promise<string>((resolve) =>
      setImmediate(() => {
        resolve('pending');
      }),
    ),
  ]);
}

describe('WorkQueue', () => {
  it('WorkQueue hands out keys in the order they were added', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.add('b');
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
  });

  it('WorkQueue.oldestWaitMs() is the wait of the longest-waiting key, 0 once every key was handed out', async () => {
    const { clock, queue } = setup();
    assert.equal(queue.oldestWaitMs(), 0);
    queue.add('a');
    clock.advance(3_000);
    queue.add('b');
    clock.advance(2_000);
    assert.equal(queue.oldestWaitMs(), 5_000);
    assert.equal(await queue.get(), 'a');
    assert.equal(queue.oldestWaitMs(), 2_000);
    assert.equal(await queue.get(), 'b');
    assert.equal(queue.oldestWaitMs(), 0);
  });

  it('WorkQueue de-duplicates a key added twice before it is processed', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(await peek(queue.get()), 'pending');
    queue.shutDown();
  });

  it('WorkQueue never hands a key being processed to a second worker and re-queues it after done()', async () => {
    const { queue } = setup();
    queue.add('a');
    const key = await queue.get();
    assert.equal(queue.processingCount, 1);
    queue.add('a');
    assert.equal(queue.length, 0);
    const second = queue.get();
    assert.equal(await peek(second), 'pending');
    queue.done(key ?? '');
    assert.equal(await second, 'a');
  });

  it('WorkQueue does not re-queue a key after done() when nobody added it meanwhile', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.done((await queue.get()) ?? '');
    assert.equal(queue.length, 0);
    assert.equal(await peek(queue.get()), 'pending');
    queue.shutDown();
  });

  it('WorkQueue ignores done() for a key that was not handed out', () => {
    const { queue } = setup();
    queue.add('a');
    queue.done('a');
    assert.equal(queue.length, 1);
  });

  it('WorkQueue wakes a waiting worker when a key arrives', async () => {
    const { queue } = setup();
    const waiting = queue.get();
    queue.add('a');
    assert.equal(await waiting, 'a');
  });

  it('WorkQueue addAfter() queues the key only once the delay has passed', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 5000);
    assert.equal(queue.length, 0);
    clock.advance(4999);
    assert.equal(queue.length, 0);
    clock.advance(1);
    assert.equal(await queue.get(), 'a');
  });

  it('WorkQueue addAfter() keeps the earlier of two delays for one key', () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 5000);
    queue.addAfter('a', 9000);
    queue.addAfter('a', 2000);
    clock.advance(2000);
    assert.equal(queue.length, 1);
    clock.advance(10_000);
    assert.equal(queue.length, 1);
    assert.equal(queue.delayedCount, 0);
  });

  const clamps: [string, number, number][] = [
    ['a 60-day renewal to one day, so the timer cannot overflow', 60 * DAY_MS, DAY_MS],
    ['Infinity to one day', Number.POSITIVE_INFINITY, DAY_MS],
    ["a delay just past Node's 2^31-1 ms limit to one day", 2 ** 31, DAY_MS],
  ];
  for (const [name, delay, armed] of clamps) {
    it(`WorkQueue addAfter() clamps ${name}`, () => {
      const { clock, queue } = setup();
      queue.addAfter('a', delay);
      assert.deepEqual(clock.armedDelaysMs, [armed]);
      clock.advance(armed - 1);
      assert.equal(queue.length, 0);
      clock.advance(1);
      assert.equal(queue.length, 1);
    });
  }

  const immediate: [string, number][] = [
    ['zero', 0],
    ['a negative delay', -5],
    ['NaN', Number.NaN],
  ];
  for (const [name, delay] of immediate) {
    it(`WorkQueue addAfter() queues at once for ${name}`, () => {
      const { clock, queue } = setup();
      queue.addAfter('a', delay);
      assert.equal(queue.length, 1);
      assert.deepEqual(clock.armedDelaysMs, []);
    });
  }

  it('WorkQueue addRateLimited() backs off exponentially per key until forget()', () => {
    const { clock, queue } = setup();
    for (let i = 0; i < 4; i++) queue.addRateLimited('a');
    queue.addRateLimited('b');
    // Only the earliest time per key is kept; the delays requested grow 100, 200, 400, 800. Both keys are
    // due at 100 ms, behind the one timer.
    assert.equal(queue.numRequeues('a'), 4);
    queue.forget('a');
    assert.equal(queue.numRequeues('a'), 0);
    assert.deepEqual(clock.armedDelaysMs, [100]);
    clock.advance(99);
    assert.equal(queue.length, 0);
    clock.advance(1);
    assert.equal(queue.length, 2);
    assert.equal(queue.delayedCount, 0);
  });

  it('WorkQueue keeps one timer for many delayed keys and releases them in time order', async () => {
    const { clock, queue } = setup();
    const count = 3_000;
    // Distinct delays in a scrambled order, each key rescheduled earlier once (a superseded heap entry).
    for (let i = 0; i < count; i++) queue.addAfter(`k${i}`, 10_000 + ((i * 7919) % count) * 10);
    for (let i = 0; i < count; i += 2) queue.addAfter(`k${i}`, 5_000 + ((i * 7919) % count) * 10);
    assert.equal(queue.delayedCount, count);
    assert.ok(clock.pendingTimers <= 1, `${clock.pendingTimers} timers armed`);
    clock.advance(60_000);
    assert.equal(queue.length, count);
    const released: string[] = [];
    for (let i = 0; i < count; i++) released.push((await queue.get()) ?? '');
    assert.equal(new Set(released).size, count, 'every key exactly once');
    const dueOf = (key: string): number => {
      const i = Number(key.slice(1));
      return (i % 2 === 0 ? 5_000 : 10_000) + ((i * 7919) % count) * 10;
    };
    const dues = released.map(dueOf);
    assert.deepEqual(
      dues,
      [...dues].sort((a, b) => a - b),
    );
    assert.equal(clock.pendingTimers, 0);
  });

  it('WorkQueue re-arms its one timer when a key is wanted earlier than the earliest waiting one', () => {
    const { clock, queue } = setup();
    queue.addAfter('late', 60_000);
    queue.addAfter('soon', 1_000);
    assert.equal(clock.pendingTimers, 1);
    clock.advance(1_000);
    assert.equal(queue.length, 1);
    assert.equal(queue.delayedCount, 1);
    clock.advance(58_999);
    assert.equal(queue.length, 1);
    clock.advance(1);
    assert.equal(queue.length, 2);
  });

  it('WorkQueue get() resolves undefined after shutDown() and new keys are ignored', async () => {
    const { clock, queue } = setup();
    const waiting = queue.get();
    queue.addAfter('later', 1000);
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('a');
    assert.equal(await queue.get(), undefined);
    assert.equal(clock.pendingTimers, 0);
  });

  it('WorkQueue shutDownWithDrain() waits for keys being processed', async () => {
    const { queue } = setup();
    queue.add('a');
    const key = await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    queue.done(key ?? '');
    await drain;
    assert.equal(drained, true);
  });

  it('WorkQueue shutDownWithDrain() resolves at once when nothing is being processed', async () => {
    const { queue } = setup();
    queue.add('a');
    await queue.shutDownWithDrain();
    assert.equal(queue.shuttingDown, true);
  });

  it('WorkQueue keeps FIFO order across many keys', async () => {
    const { queue } = setup();
    const keys = Array.from({ length: 3000 }, (_, i) => `ns/k${i}`);
    for (const key of keys) queue.add(key);
    const out: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = (await queue.get()) ?? '';
      out.push(key);
      queue.done(key);
    }
    assert.deepEqual(out, keys);
  });
});

describe('clampDelayMs()', () => {
  const cases: [number, number][] = [
    [-1, 0],
    [Number.NaN, 0],
    [1500, 1500],
    [MAX_DELAY_MS + 1, MAX_DELAY_MS],
    [Number.POSITIVE_INFINITY, MAX_DELAY_MS],
  ];
  for (const [input, expected] of cases) {
    it(`clampDelayMs() turns ${input} into ${expected}`, () => {
      assert.equal(clampDelayMs(input), expected);
    });
  }
});
