import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortableSleep } from '../../src/runtime/abortable-sleep.js';

describe('abortableSleep()', () => {
  it('abortableSleep() resolves after the delay', async () => {
    const started = performance.now();
    await abortableSleep(50);
    assert.ok(performance.now() - started >= 45, 'resolved before the delay');
  });

  it('abortableSleep() resolves as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = abortableSleep(60_000, controller.signal);
    setTimeout(() => {
      controller.abort();
    }, 20);
    await sleeping;
    assert.ok(performance.now() - started < 10_000, 'kept sleeping after the abort');
  });

  it('abortableSleep() resolves at once for an aborted signal or a delay of zero', async () => {
    const started = performance.now();
    await abortableSleep(60_000, AbortSignal.abort());
    await abortableSleep(0);
    assert.ok(performance.now() - started < 10_000, 'slept although there was nothing to wait for');
  });
});
