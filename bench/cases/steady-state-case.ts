import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecheckResult, SteadyStateResult } from '../bench-results.js';
import type {
  DriverAvailability,
  KubeLegoDriver,
  MeasuredWindow,
  SteadyStateRun,
} from '../kube-lego-driver.js';
import { describeError, type AcmeTarget } from '../peer.js';

export interface SteadyStateCaseOptions {
  readonly driver: DriverAvailability;
  readonly target: AcmeTarget;
  readonly email: string;
  readonly ingressCounts: readonly number[];
  /** The sizes whose periodic re-check is measured as well (each waits `checkInterval` after its start). */
  readonly recheckCounts: readonly number[];
  /** `LEGO_CHECK_INTERVAL` of the runs that measure the re-check (its minimum, 5m, keeps the wait short). */
  readonly checkInterval: string;
  readonly scratchDir: string;
  readonly log: (line: string) => void;
}

const timeoutMs = 900_000;

type Started = { readonly run: Extract<SteadyStateRun, { ok: true }> } | { readonly error: string };

interface Waiting {
  readonly ingressCount: number;
  readonly run: Extract<SteadyStateRun, { ok: true }>;
}

const overlaps = (a: MeasuredWindow, b: MeasuredWindow): boolean => a.fromMs < b.toMs && b.fromMs < a.toMs;

/**
 * Case 3: kube-lego over many Ingresses that already hold valid certificates (kube-lego only). The sizes
 * that measure the periodic re-check start first, one after another, and stay up: each waits the check
 * interval from its own start, so their waits overlap while each first pass and each re-check still has the
 * machine to itself (a re-check that another measured window overlapped says so). The other sizes run
 * afterwards, one at a time, first pass only.
 */
export async function runSteadyStateCase(options: SteadyStateCaseOptions): Promise<SteadyStateResult[]> {
  const availability = options.driver;
  if (!availability.available) {
    options.log(`c3: not available in this build (${availability.reason})`);
    return options.ingressCounts.map((ingressCount) => ({
      ingressCount,
      outcome: { status: 'not-available', reason: availability.reason },
    }));
  }
  const driver = availability.driver;
  if (driver.steadyState === undefined) {
    const reason = 'the kube-lego driver in this build does not implement the steady-state case';
    options.log(`c3: not available in this build (${reason})`);
    return options.ingressCounts.map((ingressCount) => ({
      ingressCount,
      outcome: { status: 'not-available', reason },
    }));
  }
  const results = new Map<number, SteadyStateResult>();
  const windows: { readonly ingressCount: number; readonly window: MeasuredWindow }[] = [];
  const withRecheck = [...options.ingressCounts]
    .filter((count) => options.recheckCounts.includes(count))
    .sort((a, b) => a - b);
  const firstPassOnly = options.ingressCounts.filter((count) => !withRecheck.includes(count));

  const start = async (ingressCount: number, checkInterval?: string): Promise<Started> => {
    try {
      const run = await startRun(driver, options, ingressCount, checkInterval);
      if (!run.ok) return { error: run.error };
      const { window, ...measured } = run.firstPass;
      windows.push({ ingressCount, window });
      results.set(ingressCount, { ingressCount, outcome: { status: 'measured', ...measured } });
      options.log(
        `c3 ${ingressCount} Ingresses: all checked in ${(measured.startToAllCheckedMs / 1000).toFixed(2)} s (seeded in ${(measured.seedMs / 1000).toFixed(1)} s)`,
      );
      return { run };
    } catch (error) {
      return { error: describeError(error) };
    }
  };
  const failed = (ingressCount: number, reason: string): void => {
    results.set(ingressCount, { ingressCount, outcome: { status: 'failed', reason } });
    options.log(`c3 ${ingressCount} Ingresses: failed: ${reason}`);
  };

  const waiting: Waiting[] = [];
  for (const ingressCount of withRecheck) {
    const started = await start(ingressCount, options.checkInterval);
    if ('error' in started) failed(ingressCount, started.error);
    else waiting.push({ ingressCount, run: started.run });
  }
  const rechecks = new Map<number, { result: RecheckResult; window?: MeasuredWindow }>();
  for (const { ingressCount, run } of waiting) {
    options.log(`c3 ${ingressCount} Ingresses: waiting for the periodic re-check (${options.checkInterval})`);
    const outcome = await run.recheck();
    await run.stop();
    if (outcome.ok) {
      rechecks.set(ingressCount, {
        result: {
          status: 'measured',
          wallMs: outcome.wallMs,
          cpuSeconds: outcome.cpuSeconds,
          cpuMsPerCertificate: (outcome.cpuSeconds * 1000) / ingressCount,
          peakRssBytes: outcome.peakRssBytes,
          apiRequests: outcome.apiRequests,
          alone: true,
        },
        window: outcome.window,
      });
      windows.push({ ingressCount, window: outcome.window });
      options.log(
        `c3 ${ingressCount} Ingresses: re-check in ${(outcome.wallMs / 1000).toFixed(2)} s, ${outcome.cpuSeconds.toFixed(2)} s CPU`,
      );
    } else {
      rechecks.set(ingressCount, { result: { status: 'failed', reason: outcome.error } });
      options.log(`c3 ${ingressCount} Ingresses: re-check failed: ${outcome.error}`);
    }
  }
  for (const ingressCount of firstPassOnly) {
    const started = await start(ingressCount);
    if ('error' in started) failed(ingressCount, started.error);
    else await started.run.stop();
  }
  for (const [ingressCount, { result, window }] of rechecks) {
    const current = results.get(ingressCount);
    if (current?.outcome.status !== 'measured') continue;
    const alone =
      window === undefined ||
      !windows.some((other) => other.window !== window && overlaps(other.window, window));
    const recheck: RecheckResult = result.status === 'measured' ? { ...result, alone } : result;
    results.set(ingressCount, { ingressCount, outcome: { ...current.outcome, recheck } });
  }
  return options.ingressCounts.flatMap((ingressCount) => {
    const result = results.get(ingressCount);
    return result === undefined ? [] : [result];
  });
}

async function startRun(
  driver: KubeLegoDriver,
  options: SteadyStateCaseOptions,
  ingressCount: number,
  checkInterval: string | undefined,
): Promise<SteadyStateRun> {
  const steadyState = driver.steadyState?.bind(driver);
  if (steadyState === undefined) return { ok: false, error: 'no steady-state case in this driver' };
  const workDir = await mkdtemp(join(options.scratchDir, `c3-${ingressCount}-`));
  return steadyState({
    target: options.target,
    email: options.email,
    workDir,
    ingressCount,
    timeoutMs,
    ...(checkInterval === undefined ? {} : { checkInterval }),
  });
}
