/**
 * Failover time of two replicas with leader election: how long after the leader dies (SIGKILL: a node
 * lost, an OOM kill) or stops (SIGTERM: a rollout, a drain) the other replica leads, measured from the
 * signal to the moment the survivor's `/readyz` says `leader=true`, polled every 20 ms. Real processes,
 * the API sandbox, Pebble; no Ingress (the Lease alone is measured).
 *
 *   node dist/bench/failover.js [runs=10] [leaseDuration=15s] [renewDeadline=10s] [retryPeriod=2s]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readyzBody } from '../test/support/readyz.js';
import { freeLoopbackPort } from '../test/support/free-port.js';
import type { ControllerProcess } from '../test/e2e/controller-process.js';
import { startFaultRig, type FaultRig } from '../test/e2e/fault-rig.js';
import { summarize } from './stats.js';

const POLL_MS = 20;

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms: ${what}`);
    await sleep(POLL_MS);
  }
}

interface Replica {
  readonly process: ControllerProcess;
  readonly port: number;
}

async function replica(rig: FaultRig, name: string, env: Readonly<Record<string, string>>): Promise<Replica> {
  const port = await freeLoopbackPort();
  const process = rig.startController({ ...env, LEGO_POD_NAME: name, LEGO_PORT: String(port) });
  return { process, port };
}

const leads = (r: Replica) => async (): Promise<boolean> => (await readyzBody(r.port)) === 'ok leader=true';
const follows = (r: Replica) => async (): Promise<boolean> =>
  (await readyzBody(r.port)) === 'ok leader=false';

/** One failover: a leader, a follower, the signal, the time until the follower leads. */
async function failover(
  rig: FaultRig,
  env: Readonly<Record<string, string>>,
  run: number,
  signal: 'SIGKILL' | 'SIGTERM',
  limitMs: number,
): Promise<number> {
  const leader = await replica(rig, `leader-${String(run)}`, env);
  await until('the first replica leads', leads(leader), limitMs);
  const follower = await replica(rig, `follower-${String(run)}`, env);
  await until('the second replica follows', follows(follower), limitMs);
  const startedMs = performance.now();
  await (signal === 'SIGKILL' ? leader.process.kill() : leader.process.terminate());
  await until('the follower leads', leads(follower), limitMs);
  const tookMs = performance.now() - startedMs;
  // Stopped gracefully, the survivor releases the Lease: the next run's first replica leads at once.
  await follower.process.terminate();
  return tookMs;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : (ms / 1000).toFixed(2);
}

async function main(): Promise<void> {
  const [runsArg = '10', lease = '15s', renew = '10s', retry = '2s'] = process.argv.slice(2);
  const runs = Number(runsArg);
  const env = {
    LEGO_LEADER_ELECT: 'true',
    LEGO_LEASE_DURATION: lease,
    LEGO_RENEW_DEADLINE: renew,
    LEGO_RETRY_PERIOD: retry,
  };
  const limitMs = 120_000;
  const rig = await startFaultRig();
  try {
    const results: Record<'SIGKILL' | 'SIGTERM', number[]> = { SIGKILL: [], SIGTERM: [] };
    for (let run = 0; run < runs; run++) {
      for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
        const tookMs = await failover(rig, env, run * 2 + (signal === 'SIGKILL' ? 0 : 1), signal, limitMs);
        results[signal].push(tookMs);
        console.error(`run ${String(run + 1)}/${String(runs)} ${signal}: ${seconds(tookMs)} s`);
      }
    }
    console.log(
      `Lease ${lease} / renew deadline ${renew} / retry period ${retry}, ${String(runs)} runs each:`,
    );
    console.log('| leader | median | q1 | q3 | min | max |');
    console.log('|---|---|---|---|---|---|');
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const s = summarize(results[signal]);
      const what = signal === 'SIGKILL' ? 'killed (SIGKILL)' : 'stopped (SIGTERM, releases the Lease)';
      console.log(
        `| ${what} | ${seconds(s?.median)} s | ${seconds(s?.q1)} s | ${seconds(s?.q3)} s | ${seconds(s?.min)} s | ${seconds(s?.max)} s |`,
      );
    }
  } finally {
    await rig.close();
  }
}

await main();
