import { readFile } from 'node:fs/promises';

/** Memory and CPU of a live process, from /proc (Linux). */
export interface ProcessUsage {
  /** VmRSS: resident now. */
  readonly rssBytes: number;
  /** VmHWM: the highest resident size since the process started. */
  readonly peakRssBytes: number;
  /** utime + stime. */
  readonly cpuSeconds: number;
}

/** Reads VmRSS, VmHWM and the CPU time of `pid`; rejects once the process is gone. */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (clock ticks, 100/s).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), cpuSeconds: ticks / 100 };
}

/** One point of a memory curve: time since the sampler started and the resident size then. */
export interface RssSample {
  readonly atMs: number;
  readonly rssBytes: number;
}

/** Samples the resident size of `pid` every `intervalMs` until `stop()` is called (which returns the curve). */
export function sampleRss(pid: number, intervalMs: number): { stop(): RssSample[] } {
  const started = performance.now();
  const samples: RssSample[] = [];
  const timer = setInterval(() => {
    processUsage(pid).then(
      (usage) => samples.push({ atMs: performance.now() - started, rssBytes: usage.rssBytes }),
      () => undefined,
    );
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}
