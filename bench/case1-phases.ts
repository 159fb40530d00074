/**
 * Case 1's phase breakdown of the controller: where the time from Ingress applied to Secret stored goes,
 * from timestamps taken outside the controller wherever something outside sees the step: the sandbox's
 * audit log (API requests, the controller under its own user), the counting proxy in front of Pebble (ACME
 * requests), and the controller's debug log only for the token fetches, which only the challenge server
 * itself sees. All on one clock (epoch milliseconds); the audit log has millisecond resolution.
 */
import type { TimedAcmeRequest } from './counting-proxy.js';
import type { ControllerTrace, TracedApiRequest } from './kube-lego-driver.js';
import { summarize, type SampleSummary } from './stats.js';

export type PhaseSource = 'sandbox audit log' | 'counting proxy' | 'controller debug log' | 'benchmark';

export type StepId =
  | 'ingress-created'
  | 'first-request'
  | 'new-order'
  | 'routing-done'
  | 'challenge-answered'
  | 'last-token-fetched'
  | 'order-ready'
  | 'finalize-sent'
  | 'certificate-downloaded'
  | 'secret-stored'
  | 'seen-stored';

interface StepDefinition {
  readonly id: StepId;
  readonly label: string;
  readonly source: PhaseSource;
}

/** The steps in the order they happen; each phase runs from the step before it to this one. */
export const caseSteps: readonly StepDefinition[] = [
  {
    id: 'ingress-created',
    label: "Ingress created (the benchmark's POST arrives)",
    source: 'sandbox audit log',
  },
  {
    id: 'first-request',
    label: "controller's first API request after it (about the Ingress's Secret)",
    source: 'sandbox audit log',
  },
  { id: 'new-order', label: 'newOrder sent', source: 'counting proxy' },
  {
    id: 'routing-done',
    label: 'challenge routing done (last routing write before the first challenge answer)',
    source: 'sandbox audit log',
  },
  { id: 'challenge-answered', label: 'last challenge answered (POST to it sent)', source: 'counting proxy' },
  { id: 'last-token-fetched', label: 'last token fetched by the CA', source: 'controller debug log' },
  {
    id: 'order-ready',
    label: 'order ready (every authorization valid), seen by a poll',
    source: 'counting proxy',
  },
  { id: 'finalize-sent', label: 'finalize sent', source: 'counting proxy' },
  { id: 'certificate-downloaded', label: 'certificate downloaded', source: 'counting proxy' },
  {
    id: 'secret-stored',
    label: "Secret stored (the controller's last write to it arrives)",
    source: 'sandbox audit log',
  },
  {
    id: 'seen-stored',
    label: 'the benchmark sees it stored (end of the timed interval)',
    source: 'benchmark',
  },
];

/** One run: each step's time since the Ingress was created, in milliseconds; absent when not seen. */
export type RunSteps = Partial<Record<StepId, number>>;

export interface PhaseRow {
  readonly id: StepId;
  readonly label: string;
  readonly source: PhaseSource;
  /** Median over runs of the step's time since the Ingress was created. */
  readonly sinceCreated?: SampleSummary;
  /** Median over runs of the time from the step before (the phase ending at this step). */
  readonly phase?: SampleSummary;
}

export interface CasePhases {
  /** Runs the breakdown is taken from (all through the counting proxy), and whether they are the timed ones. */
  readonly runs: number;
  readonly timedRuns: boolean;
  readonly rows: readonly PhaseRow[];
  readonly perRun: readonly RunSteps[];
}

const routingResources = new Set(['ingresses', 'services', 'httproutes']);
const writeVerbs = new Set(['create', 'update', 'patch', 'delete']);

const first = <T>(items: readonly T[]): T | undefined => items[0];
const last = <T>(items: readonly T[]): T | undefined => items[items.length - 1];

/** Each step's time in one run, from the controller's trace and the proxy's requests of that run. */
export function runSteps(trace: ControllerTrace, acme: readonly TimedAcmeRequest[]): RunSteps {
  const created = first(
    trace.api.filter(
      (entry) => entry.by === 'benchmark' && entry.verb === 'create' && entry.resource === 'ingresses',
    ),
  );
  if (created === undefined) return {};
  const start = created.atMs;
  // Watches and lists opened before the apply are logged when they end: only requests made after it count.
  const mine = trace.api.filter(
    (entry) =>
      entry.by === 'controller' && entry.atMs >= start && entry.verb !== 'watch' && entry.verb !== 'list',
  );
  const isRouting = (entry: TracedApiRequest): boolean =>
    writeVerbs.has(entry.verb) &&
    routingResources.has(entry.resource) &&
    !(entry.namespace === created.namespace && entry.name === created.name);
  const challenges = acme.filter((request) => request.kind === 'challenge' && request.method === 'POST');
  // Routing is over when the first challenge is answered; without that answer it cannot be told apart
  // from the cleanup after validation.
  const firstAnswerMs = first(challenges)?.sentAtMs ?? Number.NEGATIVE_INFINITY;
  const orderReady = first(acme.filter((request) => request.orderStatus === 'ready'));
  const secretWrites = mine.filter(
    (entry) =>
      entry.resource === 'secrets' &&
      entry.namespace === created.namespace &&
      writeVerbs.has(entry.verb) &&
      entry.atMs <= trace.seenAtMs,
  );
  const fetched = trace.tokensServed.filter(
    (served) => served.atMs >= start && (orderReady === undefined || served.atMs <= orderReady.answeredAtMs),
  );
  const at: Partial<Record<StepId, number | undefined>> = {
    'ingress-created': start,
    'first-request': first(mine)?.atMs,
    'new-order': first(acme.filter((request) => request.kind === 'newOrder'))?.sentAtMs,
    'routing-done': last(mine.filter((entry) => isRouting(entry) && entry.atMs <= firstAnswerMs))?.atMs,
    'challenge-answered': last(challenges)?.sentAtMs,
    'last-token-fetched': last(fetched)?.atMs,
    'order-ready': orderReady?.answeredAtMs,
    'finalize-sent': first(acme.filter((request) => request.kind === 'finalize'))?.sentAtMs,
    'certificate-downloaded': last(acme.filter((request) => request.kind === 'certificate'))?.answeredAtMs,
    'secret-stored': last(secretWrites)?.atMs,
    'seen-stored': trace.seenAtMs,
  };
  const steps: RunSteps = {};
  for (const { id } of caseSteps) {
    const value = at[id];
    if (value !== undefined) steps[id] = value - start;
  }
  return steps;
}

/** The medians over runs of each step and of each phase (from the previous step seen in the same run). */
export function summarizePhases(perRun: readonly RunSteps[], timedRuns: boolean): CasePhases {
  const rows = caseSteps.map((step, index): PhaseRow => {
    const since: number[] = [];
    const phase: number[] = [];
    for (const run of perRun) {
      const value = run[step.id];
      if (value === undefined) continue;
      since.push(value);
      const previous = caseSteps
        .slice(0, index)
        .map((earlier) => run[earlier.id])
        .filter((time): time is number => time !== undefined);
      const before = last(previous);
      if (before !== undefined) phase.push(value - before);
    }
    const sinceCreated = summarize(since);
    const phaseSummary = summarize(phase);
    return {
      ...step,
      ...(sinceCreated === undefined ? {} : { sinceCreated }),
      ...(phaseSummary === undefined ? {} : { phase: phaseSummary }),
    };
  });
  return { runs: perRun.length, timedRuns, rows, perRun };
}
