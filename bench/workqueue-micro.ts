/**
 * `node --expose-gc dist/bench/workqueue-micro.js [keys...]`: what it costs to keep every certificate's
 * next check waiting in the work queue. For each key count it schedules every key once (a renewal time
 * spread over a day), then once more a little earlier (a periodic re-check moving it), and reports wall
 * time, main-thread CPU and retained heap for the queue kube-lego runs (one heap behind one timer,
 * src/runtime/workqueue.ts) and for the one-timer-per-key design it replaced (kept here as the reference).
 */
import { WorkQueue } from '../src/runtime/workqueue.js';
import { systemClock } from '../src/runtime/system-clock.js';

interface Scheduler {
  addAfter(key: string, delayMs: number): void;
  shutDown(): void;
}

/** The queue's delayed keys before one timer served them all: a timer per key, earlier time wins. */
class TimerPerKey implements Scheduler {
  readonly #delayed = new Map<string, { readonly readyAtMs: number; readonly timer: NodeJS.Timeout }>();
  addAfter(key: string, delayMs: number): void {
    const readyAtMs = Date.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.readyAtMs <= readyAtMs) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => this.#delayed.delete(key), delayMs);
    this.#delayed.set(key, { readyAtMs, timer });
  }
  shutDown(): void {
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }
}

interface Row {
  readonly design: string;
  readonly keys: number;
  readonly scheduleMs: number;
  readonly rescheduleMs: number;
  readonly cpuMs: number;
  readonly heapMiB: number;
}

const HOUR_MS = 3_600_000;

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function measure(design: string, keys: number, make: () => Scheduler): Row {
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const scheduler = make();
  const names = Array.from({ length: keys }, (_, i) => `namespace-${i % 100}/secret-${i}`);
  let start = performance.now();
  names.forEach((key, i) => {
    scheduler.addAfter(key, 2 * HOUR_MS + ((i * 7919) % 86_000_000));
  });
  const scheduleMs = performance.now() - start;
  start = performance.now();
  names.forEach((key, i) => {
    scheduler.addAfter(key, HOUR_MS + ((i * 7919) % 86_000_000));
  });
  const rescheduleMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  collect();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
  scheduler.shutDown();
  return { design, keys, scheduleMs, rescheduleMs, cpuMs: (cpu.user + cpu.system) / 1000, heapMiB };
}

const counts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
if ((globalThis as { gc?: () => void }).gc === undefined)
  console.error('run with node --expose-gc for the retained-heap column');
console.log('| design | keys | schedule all | reschedule all | CPU | retained heap |');
console.log('|---|---|---|---|---|---|');
for (const keys of counts.length > 0 ? counts : [10_000, 30_000, 100_000]) {
  const rows = [
    measure('one timer per key (before)', keys, () => new TimerPerKey()),
    measure('one heap, one timer (now)', keys, () => new WorkQueue({ clock: systemClock })),
  ];
  for (const row of rows)
    console.log(
      `| ${row.design} | ${row.keys} | ${row.scheduleMs.toFixed(0)} ms | ${row.rescheduleMs.toFixed(0)} ms | ${row.cpuMs.toFixed(0)} ms | ${row.heapMiB.toFixed(1)} MiB |`,
    );
}
