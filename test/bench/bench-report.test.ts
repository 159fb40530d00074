import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchOptions } from '../../bench/bench-options.js';
import type { BatchResult, SingleCertificateResult, ToolInfo } from '../../bench/bench-results.js';
import { kubeLegoStanding } from '../../bench/kube-lego-standing.js';
import { endMarker, replaceGeneratedSection, startMarker } from '../../bench/markdown-report.js';
import { summarize } from '../../bench/stats.js';

describe('summarize()', () => {
  it('gives the median and quartiles of an even sample by interpolation', () => {
    assert.deepEqual(summarize([4, 1, 3, 2]), { n: 4, median: 2.5, min: 1, max: 4, q1: 1.75, q3: 3.25 });
  });

  it('has no summary for no samples, so a missing number never prints as zero', () => {
    assert.equal(summarize([]), undefined);
  });
});

describe('replaceGeneratedSection()', () => {
  it('replaces only the text between the markers, and a second run replaces the first', () => {
    const document = `# Benchmarks\n\nintro\n\n${startMarker}\nold\n${endMarker}\n\n## After\n`;
    const once = replaceGeneratedSection(document, 'first');
    const twice = replaceGeneratedSection(once, 'second');
    assert.equal(twice, `# Benchmarks\n\nintro\n\n${startMarker}\nsecond\n${endMarker}\n\n## After\n`);
  });

  it('appends a results section with markers when the document has none', () => {
    const updated = replaceGeneratedSection('# Benchmarks\n', 'numbers');
    assert.equal(updated, `# Benchmarks\n\n## Results\n\n${startMarker}\nnumbers\n${endMarker}\n`);
  });
});

describe('parseBenchOptions()', () => {
  it('uses smoke sizes with --quick', () => {
    const parsed = parseBenchOptions(['--quick']);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.options.mode, 'quick');
    assert.equal(parsed.options.case1Runs, 1);
    assert.equal(parsed.options.case2Certificates, 3);
    assert.deepEqual(parsed.options.cases, ['case1', 'case2', 'case3', 'case4']);
    assert.equal(parsed.options.writeDocs, false);
  });

  it('uses the issue sizes by default', () => {
    const parsed = parseBenchOptions([]);
    assert.equal(parsed.ok && parsed.options.case2Certificates, 100);
    assert.equal(parsed.ok && parsed.options.case1Runs, 10);
    assert.equal(parsed.ok && parsed.options.writeDocs, true);
  });

  const invalid: readonly { args: string[]; message: RegExp }[] = [
    { args: ['--runs', '0'], message: /--runs must be a positive integer, got "0"/ },
    { args: ['--certificates', 'many'], message: /--certificates must be a positive integer, got "many"/ },
    { args: ['--cases', 'case9'], message: /unknown case9/ },
    { args: ['--fast'], message: /Unknown option '--fast'/ },
  ];
  for (const { args, message } of invalid) {
    it(`rejects ${args.join(' ')} with a message naming it`, () => {
      const parsed = parseBenchOptions(args);
      assert.equal(parsed.ok, false);
      assert.match(parsed.message, message);
    });
  }
});

const tool = (id: string, kind: ToolInfo['kind'] = 'cli'): ToolInfo => ({ id, name: id, kind, version: '1' });

function single(id: string, timesMs: number[], kind: ToolInfo['kind'] = 'cli'): SingleCertificateResult {
  const summary = summarize(timesMs);
  return {
    tool: tool(id, kind),
    runs: timesMs.length,
    successes: timesMs.length,
    timesMs,
    ...(summary === undefined ? {} : { summary }),
    failures: [],
  };
}

function batch(id: string, totalMs: number, certificates = 100): BatchResult {
  const summary = summarize([totalMs]);
  return {
    tool: tool(id),
    mode: 'sequential',
    certificates,
    runs: 1,
    totalTimesMs: [totalMs],
    ...(summary === undefined ? {} : { summary, certificatesPerSecond: certificates / (totalMs / 1000) }),
    validCertificates: certificates,
    failures: [],
  };
}

const floorWording =
  'Case 1: kube-lego (ECDSA P-256, Ingress to Secret) at most 1.3x the floor client of the same run (medians)';
const fasterWording =
  'Case 1: kube-lego (ECDSA P-256) faster than every peer, in-process ones included (medians)';
const case2Wording =
  "Case 2: kube-lego (ECDSA P-256) within 1.5x of kube-lego's ACME client alone at the same concurrency";
const rsaLoopWording =
  "Case 2: RSA 2048 never blocks the controller's event loop (longest delay in the burst at most the ECDSA row's + 20 ms)";

describe('kubeLegoStanding()', () => {
  it('takes the floor from the best run of the fastest tool and reports kube-lego against it', () => {
    const standing = kubeLegoStanding({
      case1: [
        single('lego-sid', [16_000, 15_000]),
        single('acme-client', [400, 300, 350], 'in-process'),
        single('kube-lego', [600, 700], 'controller'),
      ],
      case2: [
        batch('lego-sid', 500_000),
        batch('certbot', 330_000),
        batch('acme-client', 5_000),
        batch('kube-lego', 9_000),
      ],
      case3: [],
    });
    assert.deepEqual(standing.floor.case1, { toolId: 'acme-client', ms: 300 });
    assert.deepEqual(standing.floor.case2, { toolId: 'acme-client', ms: 5_000 });
    assert.equal(standing.floor.case2PerCertificateMs, 50);
    const verdicts = Object.fromEntries(standing.targets.map((target) => [target.target, target.verdict]));
    assert.equal(verdicts[fasterWording], 'missed');
    assert.equal(verdicts["Case 2: at least 10x lego's and certbot's sequential throughput"], 'met');
    assert.equal(verdicts[case2Wording], 'missed');
    assert.equal(verdicts['Case 3: zero writes'], 'not available');
  });

  it('measures case 1 against the floor client and case 2 against our own client and the controller CPU', () => {
    const standing = kubeLegoStanding({
      case1: [
        single('acme-client', [200, 210], 'in-process'),
        single('kube-lego-floor', [50, 60, 70], 'in-process'),
        single('kube-lego-acme', [150, 160], 'in-process'),
        single('kube-lego', [70, 80, 75], 'controller'),
        single('kube-lego-rsa', [300], 'controller'),
      ],
      case2: [
        batch('kube-lego-floor', 1_000),
        batch('kube-lego-acme', 3_000),
        { ...batch('kube-lego', 4_000), cpuMsPerCertificate: 12 },
        { ...batch('kube-lego-rsa', 9_000), cpuMsPerCertificate: 240 },
      ],
      case3: [],
    });
    assert.deepEqual(standing.floor.case1, { toolId: 'kube-lego-floor', ms: 60 });
    assert.deepEqual(standing.floor.case2, { toolId: 'kube-lego-acme', ms: 3_000 });
    const verdicts = Object.fromEntries(standing.targets.map((target) => [target.target, target.verdict]));
    // 75 ms over a 60 ms floor is 1.25x; the fastest peer is acme-client, not our own floor client.
    assert.equal(verdicts[floorWording], 'met');
    assert.equal(verdicts[fasterWording], 'met');
    assert.equal(verdicts[case2Wording], 'met');
    assert.equal(verdicts['Case 2: at most 15 ms controller CPU per certificate (ECDSA P-256)'], 'met');
    const rsa = standing.ratios.find((ratio) => ratio.label.includes('RSA 2048 keys (Ingress to Secret)'));
    assert.equal(rsa?.value, 5);
    const measured = Object.fromEntries(standing.targets.map((target) => [target.target, target.measured]));
    // Each verdict says by how much: 1.25x against 1.3x, 12 ms against 15 ms, 4 s / 3 s = 1.33x against 1.5x.
    assert.match(measured[floorWording] ?? '', /1\.25x, met by 0\.05x/);
    assert.match(
      measured['Case 2: at most 15 ms controller CPU per certificate (ECDSA P-256)'] ?? '',
      /met by 3\.0 ms/,
    );
    assert.match(measured[case2Wording] ?? '', /1\.33x, met by 0\.17x/);
    // No event-loop delay measured: the RSA target is not available rather than met.
    assert.equal(verdicts[rsaLoopWording], 'not available');
  });

  it("judges RSA's event-loop blocking against the ECDSA row of the same burst", () => {
    const delay = (maxMs: number) => ({ maxMs, p99Ms: maxMs / 2, meanMs: 1 });
    const verdictFor = (rsaMaxMs: number) =>
      kubeLegoStanding({
        case1: [],
        case2: [
          { ...batch('kube-lego', 4_000), eventLoopDelay: delay(30) },
          { ...batch('kube-lego-rsa', 9_000), eventLoopDelay: delay(rsaMaxMs) },
        ],
        case3: [],
      }).targets.find((target) => target.target === rsaLoopWording);
    assert.equal(verdictFor(45)?.verdict, 'met');
    assert.match(verdictFor(45)?.measured ?? '', /met by 5\.0 ms/);
    // One RSA 2048 key made on the main thread stalls it for 50 ms or more.
    assert.equal(verdictFor(180)?.verdict, 'missed');
    assert.match(verdictFor(180)?.measured ?? '', /missed by 130\.0 ms/);
  });

  it('reports every kube-lego target as not available when kube-lego did not run, never as a number', () => {
    const standing = kubeLegoStanding({
      case1: [single('certbot', [3_000])],
      case2: [batch('certbot', 300_000)],
      case3: [],
    });
    assert.ok(standing.targets.every((target) => target.verdict === 'not available'));
    assert.ok(standing.ratios.every((ratio) => ratio.value === undefined));
  });
});
