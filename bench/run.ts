/**
 * `npm run bench`: kube-lego side by side with lego, certbot and acme-client on the same Pebble, in one run.
 * Writes bench/results/<timestamp>.json and the generated section of docs/benchmarks.md, prints a plain
 * summary, and exits non-zero when a peer failed to produce a valid certificate in case 1 or 2 (the CI smoke
 * check of `--quick`). Timing is reported, never asserted.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as prettier from 'prettier';
import { startPebble, type PebbleRig } from '../test/support/pebble.js';
import type {
  BatchResult,
  BenchReport,
  SingleCertificateResult,
  SteadyStateResult,
} from './bench-results.js';
import { parseBenchOptions, type BenchOptions } from './bench-options.js';
import { runBatchCase } from './cases/batch-case.js';
import { runSingleCertificateCase } from './cases/single-certificate-case.js';
import { runSteadyStateCase } from './cases/steady-state-case.js';
import { imageNodeOptions } from './image-node-options.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { loadKubeLegoDriver } from './load-kube-lego-driver.js';
import { kubeLegoStanding } from './kube-lego-standing.js';
import { machineInfo } from './machine-info.js';
import { renderMarkdown, replaceGeneratedSection } from './markdown-report.js';
import { phaseSummaryLines } from './phase-report.js';
import type { AcmeTarget, Peer } from './peer.js';
import { acmeClientPeer } from './peers/acme-client-peer.js';
import { caddyPeer } from './peers/caddy-peer.js';
import { certbotPeer } from './peers/certbot-peer.js';
import { kubeLegoAcmePeer, kubeLegoFloorPeer } from './peers/kube-lego-acme-peer.js';
import { kubeLegoControllerPeer } from './peers/kube-lego-controller-peer.js';
import { legoPeer } from './peers/lego-peer.js';
import { preparePeer, type PreparedPeer } from './prepared-peer.js';
import { projectRoot } from './tool-paths.js';

const email = 'bench@example.com';
const run = promisify(execFile);
const startedMs = performance.now();

function log(line: string): void {
  const elapsed = ((performance.now() - startedMs) / 1000).toFixed(1).padStart(7);
  process.stdout.write(`[${elapsed} s] ${line}\n`);
}

async function installTools(root: string): Promise<void> {
  for (const script of ['install-pebble.sh', 'install-peers.sh']) {
    try {
      const { stdout, stderr } = await run('bash', [join(root, 'scripts', script)], {
        cwd: root,
        timeout: 600_000,
      });
      for (const line of `${stdout}${stderr}`.trim().split('\n')) if (line !== '') log(line);
    } catch (error) {
      // A missing peer is reported by its probe and fails the run there, with the reason.
      const output =
        typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
      log(`${script} failed: ${output.trim().split('\n').slice(-3).join(' / ')}`);
    }
  }
}

async function gitCommit(root: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}

async function packageVersion(root: string): Promise<string> {
  const manifest: unknown = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest
    ? String(manifest.version)
    : 'unknown';
}

function allPeers(): Peer[] {
  return [
    legoPeer({ suite: 'sid' }),
    legoPeer({ suite: 'bookworm' }),
    certbotPeer({ suite: 'sid' }),
    certbotPeer({ suite: 'bookworm' }),
    caddyPeer(),
    acmeClientPeer(),
    kubeLegoFloorPeer(),
    kubeLegoAcmePeer(),
    kubeLegoControllerPeer('ecdsa-p256'),
    kubeLegoControllerPeer('rsa'),
  ];
}

function targetOf(rig: PebbleRig): AcmeTarget {
  return { directoryUrl: rig.directoryUrl, caPem: rig.caPem, caFile: rig.caFile, httpPort: rig.httpPort };
}

/** Peers (not kube-lego's own parts, which may legitimately be missing) that did not deliver. */
function findProblems(input: {
  prepared: readonly PreparedPeer[];
  case1: readonly SingleCertificateResult[];
  case2: readonly BatchResult[];
}): string[] {
  const problems: string[] = [];
  const required = new Set(input.prepared.filter((p) => p.required).map((p) => p.peer.id));
  for (const prepared of input.prepared) {
    if (prepared.required && !prepared.available) {
      problems.push(`${prepared.info.name} is not available: ${prepared.info.unavailableReason ?? ''}`);
    }
  }
  for (const result of input.case1) {
    if (required.has(result.tool.id) && result.runs > 0 && result.successes < result.runs) {
      problems.push(
        `case 1: ${result.tool.name} produced ${result.successes} valid certificates in ${result.runs} runs`,
      );
    }
    if (
      required.has(result.tool.id) &&
      result.requests?.counted === false &&
      result.requests.reason.startsWith('the counted run failed')
    ) {
      problems.push(`case 1: ${result.tool.name}: ${result.requests.reason}`);
    }
  }
  for (const result of input.case2) {
    const expected = result.certificates * result.runs;
    if (required.has(result.tool.id) && result.runs > 0 && result.validCertificates < expected) {
      problems.push(
        `case 2: ${result.tool.name} produced ${result.validCertificates} of ${expected} valid certificates`,
      );
    }
  }
  return problems;
}

function printSummary(report: BenchReport): void {
  const lines: string[] = ['', `Summary (${report.mode} mode):`];
  const single = (label: string, results: readonly SingleCertificateResult[]): void => {
    for (const r of results) {
      if (r.tool.version === undefined) {
        lines.push(
          `  ${label} ${r.tool.name}: not available in this build (${r.tool.unavailableReason ?? ''})`,
        );
        continue;
      }
      const median =
        r.summary === undefined ? 'no successful run' : `median ${(r.summary.median / 1000).toFixed(2)} s`;
      const requests =
        r.requests?.counted === true
          ? `, ${r.requests.counts.afterDirectory} requests after the directory`
          : '';
      lines.push(
        `  ${label} ${r.tool.name} ${r.tool.version}: ${r.successes}/${r.runs} valid, ${median}${requests}`,
      );
    }
  };
  single('case 1', report.case1);
  lines.push(...phaseSummaryLines(report.case1));
  for (const r of report.case2) {
    if (r.tool.version === undefined) {
      lines.push(`  case 2 ${r.tool.name}: not available in this build`);
      continue;
    }
    const rate =
      r.certificatesPerSecond === undefined
        ? 'incomplete'
        : `${r.certificatesPerSecond.toFixed(2)} certificates/s`;
    lines.push(
      `  case 2 ${r.tool.name}: ${r.validCertificates}/${r.certificates * r.runs} valid (${r.mode}), ${rate}`,
    );
  }
  for (const r of report.case3) {
    const text =
      r.outcome.status === 'measured'
        ? `all checked in ${(r.outcome.startToAllCheckedMs / 1000).toFixed(2)} s`
        : `${r.outcome.status}: ${r.outcome.reason}`;
    lines.push(`  case 3 ${r.ingressCount} Ingresses: ${text}`);
  }
  single('case 4', report.case4);
  for (const target of report.targets)
    lines.push(`  target: ${target.target}: ${target.verdict} (${target.measured})`);
  lines.push(
    report.problems.length === 0
      ? 'RESULT: PASS (every peer produced valid certificates in cases 1 and 2)'
      : `RESULT: FAIL\n${report.problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runCases(options: BenchOptions, prepared: readonly PreparedPeer[], scratchDir: string) {
  const driver = await loadKubeLegoDriver();
  let case1: SingleCertificateResult[] = [];
  let case2: BatchResult[] = [];
  let case3: SteadyStateResult[] = [];
  let case4: SingleCertificateResult[] = [];
  const versions: Record<string, string> = {};
  const common = { scratchDir, email, log };

  if (options.cases.includes('case1') || options.cases.includes('case2')) {
    let rig: PebbleRig | undefined;
    let proxy: CountingProxy | undefined;
    try {
      // Authorization reuse off: every order does its challenges, whatever account it comes from.
      rig = await startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 });
      versions.pebble = rig.version;
      log(
        `Pebble ${rig.version} at ${rig.directoryUrl}, http-01 on port ${rig.httpPort}, nonce rejection 0 %`,
      );
      const target = targetOf(rig);
      const rootPem = await rig.rootPem();
      proxy = await startCountingProxy(target);
      if (options.cases.includes('case1')) {
        case1 = await runSingleCertificateCase({
          ...common,
          caseId: 'c1',
          peers: prepared,
          target,
          rootPem,
          runs: options.case1Runs,
          counting: { mode: options.mode === 'quick' ? 'timed' : 'separate', proxy },
        });
      }
      if (options.cases.includes('case2')) {
        case2 = await runBatchCase({
          ...common,
          peers: prepared,
          target,
          rootPem,
          certificates: options.case2Certificates,
          concurrency: options.case2Concurrency,
          runs: 1,
        });
      }
    } finally {
      await proxy?.close();
      await rig?.stop();
    }
  }
  if (options.cases.includes('case3')) {
    let rig: PebbleRig | undefined;
    try {
      // Only for the controller's account: every Secret already holds a valid certificate.
      rig = driver.available ? await startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 }) : undefined;
      const target: AcmeTarget =
        rig === undefined ? { directoryUrl: '', caPem: '', caFile: '', httpPort: 0 } : targetOf(rig);
      case3 = await runSteadyStateCase({
        ...common,
        driver,
        target,
        ingressCounts: options.case3IngressCounts,
        recheckCounts: options.case3RecheckCounts,
        checkInterval: options.case3CheckInterval,
      });
    } finally {
      await rig?.stop();
    }
  }
  if (options.cases.includes('case4')) {
    let rig: PebbleRig | undefined;
    try {
      rig = await startPebble({ nonceRejectPercent: options.case4NonceRejectPercent, authzReusePercent: 0 });
      versions.pebble = rig.version;
      log(
        `Pebble ${rig.version} at ${rig.directoryUrl}, nonce rejection ${options.case4NonceRejectPercent} %`,
      );
      case4 = await runSingleCertificateCase({
        ...common,
        caseId: 'c4',
        peers: prepared,
        target: targetOf(rig),
        rootPem: await rig.rootPem(),
        runs: options.case4Runs,
        counting: { mode: 'none' },
      });
    } finally {
      await rig?.stop();
    }
  }
  return { case1, case2, case3, case4, versions };
}

async function writeDocs(root: string, report: BenchReport): Promise<void> {
  const docsFile = join(root, 'docs', 'benchmarks.md');
  const current = existsSync(docsFile) ? await readFile(docsFile, 'utf8') : '# Benchmarks\n';
  await mkdir(join(root, 'docs'), { recursive: true });
  const updated = replaceGeneratedSection(current, renderMarkdown(report));
  // Formatted with the project's own prettier settings, so `prettier --check` in CI stays green after a run.
  const config = (await prettier.resolveConfig(docsFile)) ?? {};
  await writeFile(docsFile, await prettier.format(updated, { ...config, filepath: docsFile }));
  log('docs/benchmarks.md updated between the bench:start/bench:end markers');
}

/** Renders a saved run again (after a change to the report's layout or to the targets), without running. */
async function rerender(root: string, file: string): Promise<number> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as BenchReport;
  const report: BenchReport = { ...saved, ...kubeLegoStanding(saved) };
  await writeDocs(root, report);
  printSummary(report);
  return 0;
}

/** Writes the JSON results (and the docs section), prints the summary, and returns the exit code. */
async function finish(root: string, report: BenchReport, docs: boolean): Promise<number> {
  const resultsDir = join(root, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const stamp = (report.updates?.at(-1)?.startedAt ?? report.startedAt).replace(/[:.]/g, '-');
  const jsonFile = join(resultsDir, `${stamp}.json`);
  await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to bench/results/${jsonFile.split('/').pop() ?? ''}`);
  if (docs) await writeDocs(root, report);
  printSummary(report);
  return report.problems.length === 0 ? 0 : 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseBenchOptions(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n`);
    return 2;
  }
  const options = parsed.options;
  const root = projectRoot();
  if (options.fromJson !== undefined) return rerender(root, options.fromJson);
  await installTools(root);
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const peers = allPeers().filter((peer) => options.peers.length === 0 || options.peers.includes(peer.id));
  const prepared: PreparedPeer[] = [];
  for (const peer of peers) prepared.push(await preparePeer(peer, !peer.id.startsWith('kube-lego')));
  for (const p of prepared)
    log(
      `${p.info.name}: ${p.info.version ?? `not available in this build (${p.info.unavailableReason ?? ''})`}`,
    );

  const scratchDir = await mkdtemp(join(tmpdir(), 'kube-lego-bench-'));
  let cases;
  try {
    cases = await runCases(options, prepared, scratchDir);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
  const versions: Record<string, string> = { ...cases.versions, 'kube-lego': await packageVersion(root) };
  for (const p of prepared) if (p.info.version !== undefined) versions[p.info.name] = p.info.version;
  const fresh = {
    case1: cases.case1,
    case2: cases.case2,
    case3: cases.case3,
    case4: cases.case4,
  };
  if (options.update !== undefined) {
    // Only the cases run now are replaced; everything else, machine and versions included, stays as saved.
    const saved = JSON.parse(await readFile(options.update, 'utf8')) as BenchReport;
    const merged = {
      case1: options.cases.includes('case1') ? fresh.case1 : saved.case1,
      case2: options.cases.includes('case2') ? fresh.case2 : saved.case2,
      case3: options.cases.includes('case3') ? fresh.case3 : saved.case3,
      case4: options.cases.includes('case4') ? fresh.case4 : saved.case4,
    };
    const updated: BenchReport = {
      ...saved,
      ...merged,
      controllerNodeOptions: imageNodeOptions(root),
      parameters: options.cases.includes('case3')
        ? {
            ...saved.parameters,
            case3IngressCounts: options.case3IngressCounts,
            case3RecheckCounts: options.case3RecheckCounts,
          }
        : saved.parameters,
      ...kubeLegoStanding(merged),
      updates: [...(saved.updates ?? []), { cases: options.cases, startedAt, commit: await gitCommit(root) }],
      problems: [...saved.problems, ...findProblems({ prepared, case1: fresh.case1, case2: fresh.case2 })],
    };
    return finish(root, updated, options.writeDocs);
  }
  const standing = kubeLegoStanding(cases);
  const report: BenchReport = {
    mode: options.mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    commit: await gitCommit(root),
    versions,
    controllerNodeOptions: imageNodeOptions(root),
    parameters: {
      case1Runs: options.case1Runs,
      case2Certificates: options.case2Certificates,
      case2Concurrency: options.case2Concurrency,
      case3IngressCounts: options.case3IngressCounts,
      case3RecheckCounts: options.case3RecheckCounts,
      case4Runs: options.case4Runs,
      case4NonceRejectPercent: options.case4NonceRejectPercent,
    },
    case1: cases.case1,
    case2: cases.case2,
    case3: cases.case3,
    case4: cases.case4,
    floor: standing.floor,
    ratios: standing.ratios,
    targets: standing.targets,
    problems: findProblems({ prepared, case1: cases.case1, case2: cases.case2 }),
  };

  return finish(root, report, options.writeDocs);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
