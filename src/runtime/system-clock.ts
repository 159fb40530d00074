import type { Clock, TimerHandle } from '../ports/clock.js';
import { clampDelayMs } from './clamp-delay.js';

/** The real clock: Date.now() and setTimeout, with every delay clamped to at most a day. */
export const systemClock: Clock = Object.freeze({
  nowMs: (): number => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, clampDelayMs(delayMs));
    return {
      cancel: () => {
        clearTimeout(timer);
      },
    };
  },
});
