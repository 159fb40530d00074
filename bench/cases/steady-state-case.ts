import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { SteadyStateResult } from '../bench-results.js';
import type { DriverAvailability } from '../kube-lego-driver.js';
import { describeError, type AcmeTarget } from '../peer.js';

export interface SteadyStateCaseOptions {
  readonly driver: DriverAvailability;
  readonly target: AcmeTarget;
  readonly email: string;
  readonly ingressCounts: readonly number[];
  readonly scratchDir: string;
  readonly log: (line: string) => void;
}

const timeoutMs = 900_000;

/** Case 3: kube-lego over many Ingresses that already hold valid certificates (kube-lego only). */
export async function runSteadyStateCase(options: SteadyStateCaseOptions): Promise<SteadyStateResult[]> {
  const results: SteadyStateResult[] = [];
  for (const ingressCount of options.ingressCounts) {
    if (!options.driver.available) {
      options.log(`c3 ${ingressCount} Ingresses: not available in this build (${options.driver.reason})`);
      results.push({ ingressCount, outcome: { status: 'not-available', reason: options.driver.reason } });
      continue;
    }
    const steadyState = options.driver.driver.steadyState?.bind(options.driver.driver);
    if (steadyState === undefined) {
      const reason = 'the kube-lego driver in this build does not implement the steady-state case';
      options.log(`c3 ${ingressCount} Ingresses: not available in this build (${reason})`);
      results.push({ ingressCount, outcome: { status: 'not-available', reason } });
      continue;
    }
    const workDir = await mkdtemp(join(options.scratchDir, `c3-${ingressCount}-`));
    try {
      const outcome = await steadyState({
        target: options.target,
        email: options.email,
        workDir,
        ingressCount,
        timeoutMs,
      });
      if (outcome.ok) {
        const { ok: _ok, ...measured } = outcome;
        results.push({ ingressCount, outcome: { status: 'measured', ...measured } });
        options.log(
          `c3 ${ingressCount} Ingresses: all checked in ${(outcome.startToAllCheckedMs / 1000).toFixed(2)} s`,
        );
      } else {
        results.push({ ingressCount, outcome: { status: 'failed', reason: outcome.error } });
        options.log(`c3 ${ingressCount} Ingresses: failed: ${outcome.error}`);
      }
    } catch (error) {
      results.push({ ingressCount, outcome: { status: 'failed', reason: describeError(error) } });
      options.log(`c3 ${ingressCount} Ingresses: failed: ${describeError(error)}`);
    }
  }
  return results;
}
