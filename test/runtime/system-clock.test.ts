import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/runtime/system-clock.js';

describe('systemClock', () => {
  it('systemClock fires a timer and a cancelled one never fires', async () => {
    let cancelledFired = false;
    const cancelled = systemClock.setTimer(1, () => {
      cancelledFired = true;
    });
    cancelled.cancel();
    await new Promise<void>((resolve) => {
      systemClock.setTimer(5, resolve);
    });
    assert.equal(cancelledFired, false);
  });

  it('systemClock does not fire a 60-day timer at once (Node turns delays over 2^31-1 ms into 1 ms)', async () => {
    let fired = false;
    const timer = systemClock.setTimer(60 * 24 * 60 * 60 * 1000, () => {
      fired = true;
    });
    try {
      await new Promise<void>((resolve) => {
        systemClock.setTimer(20, resolve);
      });
      assert.equal(fired, false);
    } finally {
      timer.cancel();
    }
  });
});
