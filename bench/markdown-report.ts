import type {
  BatchResult,
  BenchReport,
  RecheckResult,
  SingleCertificateResult,
  ToolInfo,
} from './bench-results.js';
import { phaseTables } from './phase-report.js';
import type { SampleSummary } from './stats.js';

export const startMarker = '<!-- bench:start -->';
export const endMarker = '<!-- bench:end -->';

const mebibyte = 1024 * 1024;
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
// Absolute paths (temp dirs, the checkout) say nothing to a reader and must not land in a committed file.
const withoutPaths = (text: string): string => text.replace(/(?:\/[\w.@+-]+)+\/([\w.@+-]+)/g, '…/$1');
const cell = (text: string): string =>
  withoutPaths(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 220);

function spread(summary: SampleSummary | undefined): { median: string; range: string; iqr: string } {
  if (summary === undefined) return { median: '-', range: '-', iqr: '-' };
  return {
    median: `${seconds(summary.median)} s`,
    range: `${seconds(summary.min)} – ${seconds(summary.max)} s`,
    iqr: `${seconds(summary.q1)} – ${seconds(summary.q3)} s`,
  };
}

function toolCells(tool: ToolInfo): string {
  return `${tool.name} | ${tool.version ?? '-'}`;
}

function unavailable(tool: ToolInfo, columns: number): string {
  const rest = Array.from({ length: columns }, () => '').join(' | ');
  return `| ${tool.name} | - | not available in this build: ${cell(tool.unavailableReason ?? '')} | ${rest} |`;
}

function requestsCell(result: SingleCertificateResult): string {
  const requests = result.requests;
  if (requests === undefined) return '-';
  if (!requests.counted) return `n/a (${cell(requests.reason)})`;
  const via = requests.timedThroughProxy ? ', timed runs through the proxy' : '';
  return `${requests.counts.afterDirectory} (${requests.counts.total} with directory${via})`;
}

function failureList(
  title: string,
  results: readonly { tool: ToolInfo; failures: readonly string[] }[],
): string[] {
  const lines = results.flatMap((result) =>
    result.failures.map((failure) => `- ${result.tool.name}: ${cell(failure)}`),
  );
  return lines.length === 0 ? [] : ['', `${title}:`, '', ...lines];
}

function case1Table(report: BenchReport): string[] {
  const floor = report.floor.case1?.ms;
  const lines = [
    '| Tool | Version | Kind | Valid / runs | Median | Min – max | IQR | Requests after directory | Median / floor |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of report.case1) {
    if (result.tool.version === undefined) {
      lines.push(unavailable(result.tool, 6));
      continue;
    }
    const s = spread(result.summary);
    const ratio =
      result.summary !== undefined && floor !== undefined
        ? `${(result.summary.median / floor).toFixed(2)}x`
        : '-';
    lines.push(
      `| ${toolCells(result.tool)} | ${result.tool.kind} | ${result.successes} / ${result.runs} | ${s.median} | ${s.range} | ${s.iqr} | ${requestsCell(result)} | ${ratio} |`,
    );
  }
  return [...lines, ...failureList('Failures', report.case1)];
}

function requestBreakdown(report: BenchReport): string[] {
  const counted = report.case1.flatMap((result) =>
    result.requests?.counted === true ? [{ tool: result.tool, counts: result.requests.counts }] : [],
  );
  if (counted.length === 0) return [];
  const kinds = [...new Set(counted.flatMap((entry) => Object.keys(entry.counts.byKind)))].sort();
  return [
    '',
    'Requests per certificate by ACME resource, through the counting proxy (the extra counted run; in quick mode the timed run). Errors are responses >= 400, e.g. `badNonce`:',
    '',
    `| Tool | ${kinds.join(' | ')} | errors |`,
    `| --- | ${kinds.map(() => '---').join(' | ')} | --- |`,
    ...counted.map(
      (entry) =>
        `| ${entry.tool.name} | ${kinds.map((kind) => String(entry.counts.byKind[kind] ?? 0)).join(' | ')} | ${entry.counts.errors} |`,
    ),
  ];
}

function case2Table(report: BenchReport): string[] {
  const floor = report.floor.case2?.ms;
  const lines = [
    '| Tool | Version | How | Valid certificates | Total (median) | Min – max | Certificates/s | Median / floor | Own CPU per certificate |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of report.case2) {
    if (result.tool.version === undefined) {
      lines.push(unavailable(result.tool, 6));
      continue;
    }
    const s = spread(result.summary);
    const ratio =
      result.summary !== undefined && floor !== undefined
        ? `${(result.summary.median / floor).toFixed(2)}x`
        : '-';
    const rate = result.certificatesPerSecond === undefined ? '-' : result.certificatesPerSecond.toFixed(2);
    const cpu =
      result.cpuMsPerCertificate === undefined ? '-' : `${result.cpuMsPerCertificate.toFixed(1)} ms`;
    lines.push(
      `| ${toolCells(result.tool)} | ${cell(result.mode)} | ${result.validCertificates} / ${result.certificates * result.runs} | ${s.median} | ${s.range} | ${rate} | ${ratio} | ${cpu} |`,
    );
  }
  return [...lines, ...failureList('Failures', report.case2 satisfies readonly BatchResult[])];
}

function recheckCells(recheck: RecheckResult | undefined): string {
  if (recheck === undefined) return '- | -';
  if (recheck.status === 'failed') return `failed: ${cell(recheck.reason)} | -`;
  const note = recheck.alone ? '' : ' (overlapped)';
  return `${seconds(recheck.wallMs)} s, ${recheck.cpuSeconds.toFixed(2)} s CPU, ${recheck.apiRequests.writes} writes${note} | ${recheck.cpuMsPerCertificate.toFixed(4)} ms`;
}

/** The cost curve: one row per size, the first pass and (where measured) the periodic re-check. */
function case3Table(report: BenchReport): string[] {
  const lines = [
    '| Ingresses | Start to all checked | Peak RSS | CPU of the first pass | CPU per Ingress | API requests: list (pages) / watch / get / write | Requests per Ingress | Periodic re-check | Re-check CPU per certificate |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of report.case3) {
    const outcome = result.outcome;
    if (outcome.status !== 'measured') {
      const label = outcome.status === 'not-available' ? 'not available in this build' : 'failed';
      lines.push(`| ${result.ingressCount} | ${label}: ${cell(outcome.reason)} | | | | | | | |`);
      continue;
    }
    const api = outcome.apiRequests;
    lines.push(
      `| ${result.ingressCount} | ${seconds(outcome.startToAllCheckedMs)} s | ${(outcome.peakRssBytes / mebibyte).toFixed(0)} MiB | ${outcome.cpuSeconds.toFixed(2)} s | ${((outcome.cpuSeconds * 1000) / result.ingressCount).toFixed(3)} ms | ${api.lists} (${api.listPages}) / ${api.watches} / ${api.gets} / ${api.writes} | ${(api.total / result.ingressCount).toFixed(4)} | ${recheckCells(outcome.recheck)} |`,
    );
  }
  const limits = report.case3.flatMap((result) =>
    result.outcome.status === 'measured' && result.outcome.memoryLimit !== undefined
      ? [`${result.ingressCount}: ${result.outcome.memoryLimit}`]
      : [],
  );
  if (limits.length > 0) lines.push('', `Memory limit of the controller at each size: ${limits.join('; ')}.`);
  const seeded = report.case3.flatMap((result) =>
    result.outcome.status === 'measured' && result.outcome.seedMs !== undefined
      ? [`${result.ingressCount} in ${seconds(result.outcome.seedMs)} s`]
      : [],
  );
  return seeded.length === 0
    ? lines
    : [
        ...lines,
        '',
        `Creating the Ingresses and Secrets over REST before each start (not measured): ${seeded.join(', ')}. A re-check is timed from the controller's "Periodically check certificates" line to its last check, its CPU from /proc.`,
      ];
}

function case3Logged(report: BenchReport): string[] {
  const lines = report.case3.flatMap((result) =>
    result.outcome.status === 'measured'
      ? (result.outcome.logged ?? []).map((text) => `- ${result.ingressCount} Ingresses: ${cell(text)}`)
      : [],
  );
  return lines.length === 0 ? [] : ['', 'Warnings and errors kube-lego logged meanwhile:', '', ...lines];
}

function case4Table(report: BenchReport): string[] {
  const lines = [
    '| Tool | Version | Success | Median of successes | Min – max |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const result of report.case4) {
    if (result.tool.version === undefined) {
      lines.push(unavailable(result.tool, 2));
      continue;
    }
    const s = spread(result.summary);
    const rate =
      result.runs === 0
        ? '-'
        : `${((100 * result.successes) / result.runs).toFixed(0)} % (${result.successes} / ${result.runs})`;
    lines.push(`| ${toolCells(result.tool)} | ${rate} | ${s.median} | ${s.range} |`);
  }
  return [...lines, ...failureList('Failures (expected here: this case measures them)', report.case4)];
}

/** A plain statement of where kube-lego is behind: missed targets first, then what could not be measured. */
function behind(report: BenchReport): string[] {
  const missed = report.targets.filter((target) => target.verdict === 'missed');
  const unmeasured = report.targets.filter((target) => target.verdict === 'not available');
  const lines: string[] = [];
  if (missed.length > 0) {
    lines.push('**Where kube-lego is behind in this run:**', '');
    lines.push(...missed.map((target) => `- ${target.target}: missed, ${cell(target.measured)}`), '');
  } else {
    lines.push('No measured target was missed in this run.', '');
  }
  if (unmeasured.length > 0) {
    lines.push(
      `**Not measured in this build** (${unmeasured.length} of ${report.targets.length} targets): ${unmeasured.map((target) => target.target).join('; ')}.`,
      '',
    );
  }
  return lines;
}

/** The generated part of docs/benchmarks.md for one run. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const p = report.parameters;
  const versions = Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const floor1 = report.floor.case1;
  const floor2 = report.floor.case2;
  return [
    `### Results of the last run (${report.mode} mode, ${report.startedAt})`,
    '',
    report.mode === 'quick'
      ? '**Quick mode: smoke numbers only** (1 run per tool, small N). They show that every tool works, not how fast.'
      : '**Full mode.**',
    'These numbers were taken on a shared, loaded development machine; **the full run must be redone on a quiet machine** before anyone quotes them. Ratios measured in the same run are more robust than absolute times.',
    '',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB, load average ${m.loadAverage1m.toFixed(2)} at start, ${m.os}`,
    `- Node ${m.node}; kube-lego commit ${report.commit}`,
    `- Versions: ${versions}`,
    ...(report.controllerNodeOptions === undefined
      ? []
      : [
          `- Every controller run as the image runs it: NODE_OPTIONS="${report.controllerNodeOptions}" (the Dockerfile's)`,
        ]),
    `- Parameters: case 1 ${p.case1Runs} run(s) per tool; case 2 ${p.case2Certificates} certificates (in-process libraries at concurrency ${p.case2Concurrency}); case 3 ${p.case3IngressCounts.join(', ')} Ingresses${p.case3RecheckCounts === undefined || p.case3RecheckCounts.length === 0 ? '' : ` (periodic re-check at ${p.case3RecheckCounts.join(', ')})`}; case 4 ${p.case4Runs} run(s) per tool at ${p.case4NonceRejectPercent} % nonce rejection`,
    `- Finished ${report.finishedAt}`,
    ...(report.updates ?? []).map(
      (update) =>
        `- **${update.cases.join(', ')} measured again in a later run** started ${update.startedAt} (commit ${update.commit}): those tables are not from the run above`,
    ),
    '',
    '#### Case 1: one certificate for 3 names',
    '',
    ...case1Table(report),
    ...requestBreakdown(report),
    ...phaseTables(report.case1),
    '',
    '#### Case 2: many single-name certificates',
    '',
    ...case2Table(report),
    '',
    '#### Case 3: steady state (kube-lego only)',
    '',
    ...case3Table(report),
    ...case3Logged(report),
    '',
    `#### Case 4: case 1 with ${p.case4NonceRejectPercent} % nonce rejection`,
    '',
    ...case4Table(report),
    '',
    '#### The floor and where kube-lego stands',
    '',
    `- Floor, case 1: ${floor1 === undefined ? 'not measured' : `${seconds(floor1.ms)} s (${floor1.toolId}, best run)`}`,
    `- Floor, case 2: ${floor2 === undefined ? 'not measured' : `${seconds(floor2.ms)} s (${floor2.toolId}, best run)${report.floor.case2PerCertificateMs === undefined ? '' : `, ${seconds(report.floor.case2PerCertificateMs)} s per certificate`}`}`,
    ...report.ratios.map(
      (ratio) =>
        `- ${ratio.label}: ${ratio.value === undefined ? '' : `**${ratio.value.toFixed(2)}x**, `}${ratio.note}`,
    ),
    '',
    ...behind(report),
    '| Target (reported, not asserted) | Measured | Verdict |',
    '| --- | --- | --- |',
    ...report.targets.map((target) => `| ${target.target} | ${cell(target.measured)} | ${target.verdict} |`),
    '',
  ].join('\n');
}

/** Replaces the text between the markers, or appends a results section with them when they are absent. */
export function replaceGeneratedSection(document: string, generated: string): string {
  const start = document.indexOf(startMarker);
  const end = document.indexOf(endMarker);
  if (start === -1 || end === -1 || end < start) {
    return `${document.trimEnd()}\n\n## Results\n\n${startMarker}\n${generated}\n${endMarker}\n`;
  }
  return `${document.slice(0, start + startMarker.length)}\n${generated}\n${document.slice(end)}`;
}
