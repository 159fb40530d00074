import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestCountResult, SingleCertificateResult } from '../bench-results.js';
import { runSteps, summarizePhases, type RunSteps } from '../case1-phases.js';
import { checkIssued } from '../certificate-check.js';
import type { CountingProxy } from '../counting-proxy.js';
import type { AcmeTarget, IssueOutcome } from '../peer.js';
import type { PreparedPeer } from '../prepared-peer.js';
import { summarize } from '../stats.js';

export interface SingleCertificateCaseOptions {
  /** "c1" or "c4": prefixes the names so no two runs share an identifier. */
  readonly caseId: string;
  readonly peers: readonly PreparedPeer[];
  readonly target: AcmeTarget;
  readonly rootPem: string;
  readonly runs: number;
  /**
   * "separate": timed runs go straight to Pebble and one more, untimed run goes through the counting proxy
   * (for the controller rows as many profiled runs as timed ones, for the phase breakdown);
   * "timed": the timed runs go through the proxy (quick mode: fewer runs, slightly slower numbers);
   * "none": no counting.
   */
  readonly counting:
    { readonly mode: 'separate' | 'timed'; readonly proxy: CountingProxy } | { readonly mode: 'none' };
  readonly scratchDir: string;
  readonly email: string;
  readonly log: (line: string) => void;
}

const namesPerCertificate = ['a', 'b', 'c'] as const;

async function issueChecked(
  options: SingleCertificateCaseOptions,
  prepared: PreparedPeer,
  target: AcmeTarget,
  run: string,
): Promise<{ outcome: IssueOutcome; failure?: string }> {
  const names = namesPerCertificate.map(
    (label) => `${options.caseId}-${prepared.peer.id}-${run}-${label}.example.com`,
  );
  const stateDir = await mkdtemp(join(options.scratchDir, `${options.caseId}-${prepared.peer.id}-${run}-`));
  const outcome = await prepared.peer.issue({ target, names, stateDir, email: options.email });
  if (!outcome.ok) return { outcome, failure: outcome.error };
  const check = checkIssued(outcome, { names, rootPem: options.rootPem, nowMs: Date.now() });
  return check.valid ? { outcome } : { outcome, failure: `invalid certificate: ${check.reason}` };
}

/** Case 1 (and case 4 on a Pebble rejecting nonces): one 3-name certificate per run, per tool. */
export async function runSingleCertificateCase(
  options: SingleCertificateCaseOptions,
): Promise<SingleCertificateResult[]> {
  const results: SingleCertificateResult[] = [];
  for (const prepared of options.peers) {
    if (!prepared.available) {
      options.log(
        `${options.caseId} ${prepared.peer.id}: not available in this build (${prepared.info.unavailableReason ?? ''})`,
      );
      results.push({ tool: prepared.info, runs: 0, successes: 0, timesMs: [], failures: [] });
      continue;
    }
    const timesMs: number[] = [];
    const failures = new Set<string>();
    const timedTarget = options.counting.mode === 'timed' ? options.counting.proxy.target : options.target;
    let requests: RequestCountResult = { counted: false, reason: 'not counted in this case' };
    const perRun: RunSteps[] = [];
    const traced = prepared.peer.kind === 'controller' && options.counting.mode !== 'none';
    try {
      for (let run = 1; run <= options.runs; run += 1) {
        if (options.counting.mode === 'timed') options.counting.proxy.reset();
        const { outcome, failure } = await issueChecked(options, prepared, timedTarget, `r${run}`);
        const seconds = (outcome.elapsedMs / 1000).toFixed(2);
        options.log(
          `${options.caseId} ${prepared.peer.id} run ${run}/${options.runs}: ${seconds} s ${failure ?? 'ok'}`,
        );
        if (failure === undefined) {
          timesMs.push(outcome.elapsedMs);
          if (options.counting.mode === 'timed' && outcome.ok && outcome.trace !== undefined)
            perRun.push(runSteps(outcome.trace, options.counting.proxy.requests()));
          if (options.counting.mode === 'timed' && !requests.counted) {
            requests = { counted: true, counts: options.counting.proxy.counts(), timedThroughProxy: true };
          }
        } else {
          failures.add(failure);
        }
      }
      if (options.counting.mode === 'separate') {
        // The first run through the proxy is the counted one; the controller's also date its phases.
        const proxy = options.counting.proxy;
        const profiled = traced ? options.runs : 1;
        for (let run = 1; run <= profiled; run += 1) {
          proxy.reset();
          const name = run === 1 ? 'counted' : `p${run}`;
          const { outcome, failure } = await issueChecked(options, prepared, proxy.target, name);
          if (run === 1) {
            requests =
              failure === undefined
                ? { counted: true, counts: proxy.counts(), timedThroughProxy: false }
                : { counted: false, reason: `the counted run failed: ${failure}` };
          }
          if (failure === undefined && outcome.ok && outcome.trace !== undefined)
            perRun.push(runSteps(outcome.trace, proxy.requests()));
          options.log(
            `${options.caseId} ${prepared.peer.id} ${traced ? `profiled run ${run}/${profiled}` : 'counted run'}: ${failure ?? 'ok'}`,
          );
        }
      } else if (options.counting.mode === 'timed' && !requests.counted) {
        requests = { counted: false, reason: 'no run succeeded' };
      }
    } finally {
      await prepared.peer.release?.();
    }
    const summary = summarize(timesMs);
    results.push({
      tool: prepared.info,
      runs: options.runs,
      successes: timesMs.length,
      timesMs,
      ...(summary === undefined ? {} : { summary }),
      failures: [...failures].slice(0, 5),
      ...(options.counting.mode === 'none' ? {} : { requests }),
      ...(perRun.length === 0 ? {} : { phases: summarizePhases(perRun, options.counting.mode === 'timed') }),
    });
  }
  return results;
}
