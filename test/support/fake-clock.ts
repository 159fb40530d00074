import type { Clock, TimerHandle } from '../../src/ports/clock.js';

interface FakeTimer {
  readonly atMs: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A manual clock: timers fire only inside advance(), in time order, so tests never sleep. */
export class FakeClock implements Clock {
  #nowMs: number;
  #seq = 0;
  #timers: FakeTimer[] = [];
  /** Every delay a timer was armed with, in order (to check clamping). */
  readonly armedDelaysMs: number[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    this.armedDelaysMs.push(delayMs);
    const timer: FakeTimer = {
      atMs: this.#nowMs + Math.max(0, delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way (including ones armed meanwhile). */
  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.atMs <= targetMs)
        .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#nowMs = Math.max(this.#nowMs, due.atMs);
      due.callback();
    }
    this.#nowMs = targetMs;
  }

  /** Timers armed and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }
}
