import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchResult } from '../bench-results.js';
import { checkIssued } from '../certificate-check.js';
import type { EventLoopDelay } from '../event-loop-probe.js';
import type { AcmeTarget } from '../peer.js';
import type { PreparedPeer } from '../prepared-peer.js';
import { summarize } from '../stats.js';

export interface BatchCaseOptions {
  readonly peers: readonly PreparedPeer[];
  readonly target: AcmeTarget;
  readonly rootPem: string;
  readonly certificates: number;
  readonly concurrency: number;
  readonly runs: number;
  readonly scratchDir: string;
  readonly email: string;
  readonly log: (line: string) => void;
}

/** Case 2: many single-name certificates, each tool the way its users would run it. */
export async function runBatchCase(options: BatchCaseOptions): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const prepared of options.peers) {
    if (!prepared.available) {
      options.log(`c2 ${prepared.peer.id}: not available in this build`);
      results.push({
        tool: prepared.info,
        mode: 'not available',
        certificates: options.certificates,
        runs: 0,
        totalTimesMs: [],
        validCertificates: 0,
        failures: [],
      });
      continue;
    }
    const totalTimesMs: number[] = [];
    const failures = new Set<string>();
    let validCertificates = 0;
    let mode = '';
    let cpuMsPerCertificate: number | undefined;
    let eventLoopDelay: EventLoopDelay | undefined;
    try {
      for (let run = 1; run <= options.runs; run += 1) {
        const certificates = Array.from({ length: options.certificates }, (_, index) => [
          `c2-${prepared.peer.id}-r${run}-n${index}.example.com`,
        ]);
        const stateDir = await mkdtemp(join(options.scratchDir, `c2-${prepared.peer.id}-r${run}-`));
        const batch = await prepared.peer.issueMany({
          target: options.target,
          certificates,
          stateDir,
          email: options.email,
          concurrency: options.concurrency,
          onProgress: (done) => {
            if (done % 10 === 0 && done < options.certificates) {
              options.log(`c2 ${prepared.peer.id} run ${run}: ${done}/${options.certificates} done`);
            }
          },
        });
        mode = batch.mode;
        if (batch.cpuSeconds !== undefined)
          cpuMsPerCertificate = (batch.cpuSeconds * 1000) / options.certificates;
        if (batch.eventLoopDelay !== undefined) eventLoopDelay = batch.eventLoopDelay;
        let validInRun = 0;
        batch.results.forEach((outcome, index) => {
          if (!outcome.ok) {
            failures.add(outcome.error);
            return;
          }
          const check = checkIssued(outcome, {
            names: certificates[index] ?? [],
            rootPem: options.rootPem,
            nowMs: Date.now(),
          });
          if (check.valid) validInRun += 1;
          else failures.add(`invalid certificate: ${check.reason}`);
        });
        validCertificates += validInRun;
        const seconds = (batch.elapsedMs / 1000).toFixed(2);
        options.log(
          `c2 ${prepared.peer.id} run ${run}/${options.runs}: ${validInRun}/${options.certificates} valid in ${seconds} s (${batch.mode})`,
        );
        if (validInRun === options.certificates) totalTimesMs.push(batch.elapsedMs);
      }
    } finally {
      await prepared.peer.release?.();
    }
    const summary = summarize(totalTimesMs);
    results.push({
      tool: prepared.info,
      mode,
      certificates: options.certificates,
      runs: options.runs,
      totalTimesMs,
      ...(summary === undefined
        ? {}
        : { summary, certificatesPerSecond: options.certificates / (summary.median / 1000) }),
      validCertificates,
      failures: [...failures].slice(0, 5),
      ...(cpuMsPerCertificate === undefined ? {} : { cpuMsPerCertificate }),
      ...(eventLoopDelay === undefined ? {} : { eventLoopDelay }),
    });
  }
  return results;
}
