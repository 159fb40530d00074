import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatchSilence } from '../../../src/adapters/kube/watch-silence.js';

/** A stream opened at 0 ms that got bookmarks at `times`. */
function heard(
  times: readonly number[],
  options: Partial<ConstructorParameters<typeof WatchSilence>[0]> = {},
): WatchSilence {
  const silence = new WatchSilence({ watchTimeoutSeconds: 30, ...options });
  silence.opened(0);
  for (const at of times) silence.bookmark(at);
  return silence;
}

describe('WatchSilence', () => {
  it('allows the watch timeout plus a margin before any bookmark is seen', () => {
    assert.equal(heard([]).limitMs(), 40_000);
    assert.equal(heard([], { watchTimeoutSeconds: 60, endMarginMs: 5_000 }).limitMs(), 65_000);
  });

  it('allows three bookmark intervals once the server has shown one', () => {
    const silence = heard([2_000, 4_000, 6_000]);
    assert.equal(silence.intervalMs, 2_000);
    assert.equal(silence.limitMs(), 6_000);
  });

  it('keeps the longest gap seen, so one quick bookmark does not make a slow server look dead', () => {
    assert.equal(heard([3_000, 3_500, 6_500]).limitMs(), 9_000);
  });

  it('measures the first gap from the opening of the stream, and each stream anew', () => {
    const silence = heard([2_500]);
    assert.equal(silence.limitMs(), 7_500);
    silence.opened(100_000);
    silence.bookmark(102_000);
    assert.equal(silence.limitMs(), 7_500);
  });

  it('never allows less than the minimum nor more than the end of the stream', () => {
    assert.equal(heard([200, 400]).limitMs(), 5_000);
    assert.equal(heard([200, 400], { minimumMs: 0 }).limitMs(), 600);
    // The real API server: a bookmark about every minute, and one 2 s before timeoutSeconds.
    assert.equal(heard([28_000]).limitMs(), 40_000);
    assert.equal(heard([60_000], { watchTimeoutSeconds: 300 }).limitMs(), 180_000);
  });

  it('counts the missed bookmarks it is told to', () => {
    assert.equal(heard([2_000], { missedBookmarks: 5 }).limitMs(), 10_000);
  });
});
