import type { SingleCertificateResult } from './bench-results.js';
import type { CasePhases, PhaseRow } from './case1-phases.js';

const ms = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(1)} ms`);
const withPhases = (results: readonly SingleCertificateResult[]) =>
  results.flatMap((result) =>
    result.phases === undefined ? [] : [{ tool: result.tool, phases: result.phases }],
  );

function runsText(phases: CasePhases): string {
  return phases.timedRuns
    ? `the ${phases.runs} timed run(s), which went through the counting proxy`
    : `${phases.runs} profiled run(s) after the timed ones, with the ACME requests through the counting proxy (one more hop per request, so they take longer than the timed runs)`;
}

function spread(row: PhaseRow): string {
  const phase = row.phase;
  return phase === undefined ? '-' : `${phase.min.toFixed(1)} – ${phase.max.toFixed(1)} ms`;
}

/** Case 1's phase breakdown of each controller row as Markdown tables (empty when none was traced). */
export function phaseTables(results: readonly SingleCertificateResult[]): string[] {
  return withPhases(results).flatMap(({ tool, phases }) => [
    '',
    `Where the time of ${tool.name} goes, phase by phase: medians of ${runsText(phases)}. Each phase ends at its step and starts at the step before it; the source says who took the timestamp:`,
    '',
    '| Step (phase ends here) | Source | Phase (median) | Phase min – max | Since Ingress created (median) |',
    '| --- | --- | --- | --- | --- |',
    ...phases.rows.map(
      (row) =>
        `| ${row.label} | ${row.source} | ${ms(row.phase?.median)} | ${spread(row)} | ${ms(row.sinceCreated?.median)} |`,
    ),
  ]);
}

/** The same breakdown as plain lines for the console summary. */
export function phaseSummaryLines(results: readonly SingleCertificateResult[]): string[] {
  return withPhases(results).flatMap(({ tool, phases }) => [
    `  case 1 ${tool.name}, phases (medians of ${runsText(phases)}):`,
    ...phases.rows.map(
      (row) =>
        `    ${ms(row.phase?.median).padStart(9)}  -> ${row.label} [${row.source}] at ${ms(row.sinceCreated?.median)}`,
    ),
  ]);
}
