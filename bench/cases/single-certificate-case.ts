import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestCountResult, SingleCertificateResult } from '../bench-results.js';
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
   * "separate": timed runs go straight to Pebble and one more, untimed run goes through the counting proxy;
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
          if (options.counting.mode === 'timed' && !requests.counted) {
            requests = { counted: true, counts: options.counting.proxy.counts(), timedThroughProxy: true };
          }
        } else {
          failures.add(failure);
        }
      }
      if (options.counting.mode === 'separate') {
        options.counting.proxy.reset();
        const { failure } = await issueChecked(options, prepared, options.counting.proxy.target, 'counted');
        requests =
          failure === undefined
            ? { counted: true, counts: options.counting.proxy.counts(), timedThroughProxy: false }
            : { counted: false, reason: `the counted run failed: ${failure}` };
        options.log(`${options.caseId} ${prepared.peer.id} counted run: ${failure ?? 'ok'}`);
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
    });
  }
  return results;
}
