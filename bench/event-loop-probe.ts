/**
 * Preloaded into the controller process by the benchmark (`node --import .../event-loop-probe.js`), never
 * by the controller itself: it measures how late the controller's event loop runs with
 * `monitorEventLoopDelay`. On SIGUSR2 it prints one line (`eventLoopProbeMarker` then JSON) with the delay
 * since the previous SIGUSR2 and starts over, so the driver can bracket one apply with two signals.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export const eventLoopProbeMarker = 'kube-lego-bench event-loop-delay ';

/** The event loop's delay over one interval, in milliseconds. */
export interface EventLoopDelay {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** Reads the probe's line; undefined for any other line. */
export function parseEventLoopLine(line: string): EventLoopDelay | undefined {
  const start = line.indexOf(eventLoopProbeMarker);
  if (start === -1) return undefined;
  try {
    const parsed: unknown = JSON.parse(line.slice(start + eventLoopProbeMarker.length));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { maxMs, p99Ms, meanMs } = parsed as Record<string, unknown>;
    return typeof maxMs === 'number' && typeof p99Ms === 'number' && typeof meanMs === 'number'
      ? { maxMs, p99Ms, meanMs }
      : undefined;
  } catch {
    return undefined;
  }
}

// Only when preloaded into the controller (the driver sets the variable), not when the driver imports it.
if (process.env.KUBE_LEGO_BENCH_EVENT_LOOP_PROBE === '1') {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const delay: EventLoopDelay = {
      maxMs: histogram.max / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      meanMs: histogram.mean / 1e6,
    };
    process.stderr.write(`${eventLoopProbeMarker}${JSON.stringify(delay)}\n`);
    histogram.reset();
  });
}
