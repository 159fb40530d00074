import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseBenchOptions } from '../../bench/bench-options.js';
import type { BenchReport, RecheckResult, SteadyStateResult } from '../../bench/bench-results.js';
import { createSteadyFixture } from '../../bench/drivers/steady-state-fixture.js';
import { imageNodeOptions } from '../../bench/image-node-options.js';
import { kubeLegoStanding } from '../../bench/kube-lego-standing.js';
import { renderMarkdown } from '../../bench/markdown-report.js';

const mebibyte = 1024 * 1024;

function recheck(ingressCount: number, cpuSeconds: number, writes = 0): RecheckResult {
  return {
    status: 'measured',
    wallMs: 1_000,
    cpuSeconds,
    cpuMsPerCertificate: (cpuSeconds * 1000) / ingressCount,
    peakRssBytes: 100 * mebibyte,
    apiRequests: { total: writes, lists: 0, listPages: 0, watches: 0, gets: 0, writes },
    alone: true,
  };
}

function measured(
  ingressCount: number,
  options: { ms: number; rssMiB: number; gets?: number; recheck?: RecheckResult },
): SteadyStateResult {
  const gets = options.gets ?? 0;
  return {
    ingressCount,
    outcome: {
      status: 'measured',
      startToAllCheckedMs: options.ms,
      peakRssBytes: options.rssMiB * mebibyte,
      cpuSeconds: 1,
      apiRequests: { total: 4 + gets, lists: 2, listPages: 2, watches: 2, gets, writes: 0 },
      seedMs: 500,
      ...(options.recheck === undefined ? {} : { recheck: options.recheck }),
    },
  };
}

/** The verdict of each case 3 target by its wording; a target that is not reported fails the test. */
function verdictsOf(
  case3: readonly SteadyStateResult[],
): (target: string) => { verdict: string; measured: string } {
  const targets = kubeLegoStanding({ case1: [], case2: [], case3 }).targets;
  return (wording) => {
    const found = targets.find((target) => target.target === wording);
    assert.ok(found !== undefined, `no target "${wording}"`);
    return found;
  };
}

const time = 'Case 3: all 10,000 Ingresses checked in at most 5 s';
const rss = 'Case 3: peak RSS at most 150 MiB at 10,000 Ingresses';
const recheckCpu = 'Case 3: periodic re-check at most 0.1 ms CPU per certificate at 30,000';
const linear =
  'Case 3: periodic re-check linear (CPU per certificate at the largest size at most 1.5x the smallest)';
const writes = 'Case 3: zero writes';
const listWatch = 'Case 3: O(1) list/watch requests, no per-object reads';

describe('case 3 targets (issue 19)', () => {
  it('meets 5 s and 150 MiB at 10,000 and 0.1 ms per certificate at 30,000, saying by how much', () => {
    const verdicts = verdictsOf([
      measured(1_000, { ms: 400, rssMiB: 90 }),
      measured(10_000, { ms: 4_000, rssMiB: 120, recheck: recheck(10_000, 0.5) }),
      measured(30_000, { ms: 12_000, rssMiB: 200, recheck: recheck(30_000, 1.5) }),
    ]);
    assert.equal(verdicts(time).verdict, 'met');
    assert.match(verdicts(time).measured, /4\.00 s .*20 % under the limit/);
    assert.equal(verdicts(rss).verdict, 'met');
    assert.match(verdicts(rss).measured, /120 MiB, 20 % under the limit/);
    assert.equal(verdicts(recheckCpu).verdict, 'met');
    assert.match(verdicts(recheckCpu).measured, /0\.0500 ms per certificate .*50 % under the limit/);
    assert.equal(verdicts(linear).verdict, 'met');
    assert.equal(verdicts(writes).verdict, 'met');
    assert.equal(verdicts(listWatch).verdict, 'met');
  });

  it('misses each target that is over its limit, by how much', () => {
    const verdicts = verdictsOf([
      measured(10_000, { ms: 7_500, rssMiB: 195, recheck: recheck(10_000, 0.5) }),
      measured(30_000, { ms: 20_000, rssMiB: 400, gets: 30_000, recheck: recheck(30_000, 6, 3) }),
    ]);
    assert.equal(verdicts(time).verdict, 'missed');
    assert.match(verdicts(time).measured, /50 % over the limit/);
    assert.equal(verdicts(rss).verdict, 'missed');
    assert.match(verdicts(rss).measured, /195 MiB, 30 % over the limit/);
    assert.equal(verdicts(recheckCpu).verdict, 'missed');
    assert.match(verdicts(recheckCpu).measured, /0\.2000 ms per certificate/);
    // 0.2 ms at 30,000 against 0.05 ms at 10,000: four times the cost per certificate is not linear.
    assert.equal(verdicts(linear).verdict, 'missed');
    assert.match(verdicts(linear).measured, /4\.00x/);
    assert.equal(verdicts(writes).verdict, 'missed');
    assert.match(verdicts(writes).measured, /0 writes in the first passes, 3 in 2 re-check/);
    assert.equal(verdicts(listWatch).verdict, 'missed');
  });

  it('bounds the watches of a long pass per minute, not in total: each one ends every 30 s', () => {
    const long = (watches: number): SteadyStateResult => ({
      ingressCount: 100_000,
      outcome: {
        status: 'measured',
        startToAllCheckedMs: 600_000,
        peakRssBytes: 900 * mebibyte,
        cpuSeconds: 40,
        apiRequests: { total: 400, lists: 8, listPages: 406, watches, gets: 6, writes: 0 },
      },
    });
    assert.equal(verdictsOf([long(50)])(listWatch).verdict, 'met');
    assert.match(verdictsOf([long(50)])(listWatch).measured, /50 watches \(5\.0 a minute of the pass\)/);
    assert.equal(verdictsOf([long(200)])(listWatch).verdict, 'missed');
  });

  it('reports what a quick run did not measure as not available, never as a number', () => {
    const verdicts = verdictsOf([measured(1_000, { ms: 400, rssMiB: 90 })]);
    for (const target of [time, rss, recheckCpu, linear])
      assert.equal(verdicts(target).verdict, 'not available');
    assert.equal(verdicts(writes).verdict, 'met');
  });
});

describe('case 3 sizes', () => {
  it('runs the cost curve 1k, 10k, 30k and 100k in the full run, with the re-check at 10k and 30k', () => {
    const parsed = parseBenchOptions([]);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.options.case3IngressCounts, [1_000, 10_000, 30_000, 100_000]);
    assert.deepEqual(parsed.options.case3RecheckCounts, [10_000, 30_000]);
    assert.equal(parsed.options.case3CheckInterval, '5m');
  });

  it('stays small with --quick: 1,000 Ingresses and no re-check wait', () => {
    const parsed = parseBenchOptions(['--quick']);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.options.case3IngressCounts, [1_000]);
    assert.deepEqual(parsed.options.case3RecheckCounts, []);
  });

  it('refuses a re-check at a size that does not run', () => {
    const parsed = parseBenchOptions(['--ingresses', '1000,2000', '--recheck', '3000']);
    if (parsed.ok) assert.fail('accepted a re-check at a size that does not run');
    assert.match(parsed.message, /--recheck: 3000 not among the case 3 sizes 1000, 2000/);
  });
});

describe('case 3 fixture', () => {
  it('makes certificates for each host, issued by its CA, for the shared key, from node:crypto', () => {
    const nowMs = Date.UTC(2026, 11, 1, 12, 0, 0, 500);
    const fixture = createSteadyFixture(300, nowMs);
    assert.equal(fixture.certificates.length, 300);
    const key = createPrivateKey(fixture.keyPem);
    const serials = new Set<string>();
    for (const certificate of [
      fixture.certificates[0],
      fixture.certificates[127],
      fixture.certificates[299],
    ]) {
      assert.ok(certificate !== undefined);
      const [leafPem = '', caPem = ''] = certificate.certificatePem.split(/(?<=-----END CERTIFICATE-----\n)/);
      const leaf = new X509Certificate(leafPem);
      const ca = new X509Certificate(caPem);
      assert.equal(leaf.checkHost(certificate.host, { wildcards: false }), certificate.host);
      assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'signed by the fixture CA');
      assert.ok(ca.ca && ca.verify(ca.publicKey), 'the CA is self-signed and a CA');
      assert.ok(leaf.checkPrivateKey(key), 'the shared key matches');
      assert.equal(Date.parse(leaf.validTo), certificate.notAfterMs);
      assert.ok(certificate.renewAtMs > nowMs && certificate.renewAtMs < certificate.notAfterMs);
      serials.add(leaf.serialNumber);
    }
    assert.equal(serials.size, 3, 'every certificate has its own serial number');
  });
});

describe('the controller runs as the image runs', () => {
  it("reads NODE_OPTIONS from the Dockerfile and names it in the report's header", () => {
    const nodeOptions = imageNodeOptions();
    assert.match(nodeOptions, /^--/);
    const report: BenchReport = {
      mode: 'quick',
      startedAt: '2026-12-01T00:00:00.000Z',
      finishedAt: '2026-12-01T00:10:00.000Z',
      machine: {
        cpuModel: 'cpu',
        cores: 2,
        memoryBytes: 1024 ** 3,
        loadAverage1m: 1,
        os: 'linux',
        node: 'v24',
      },
      commit: 'abc',
      versions: {},
      controllerNodeOptions: nodeOptions,
      parameters: {
        case1Runs: 1,
        case2Certificates: 3,
        case2Concurrency: 10,
        case3IngressCounts: [10_000, 30_000],
        case3RecheckCounts: [30_000],
        case4Runs: 1,
        case4NonceRejectPercent: 50,
      },
      case1: [],
      case2: [],
      case3: [
        measured(10_000, { ms: 4_000, rssMiB: 120 }),
        measured(30_000, { ms: 12_000, rssMiB: 200, recheck: recheck(30_000, 1.5) }),
      ],
      case4: [],
      floor: {},
      ratios: [],
      targets: [],
      problems: [],
    };
    const markdown = renderMarkdown(report);
    assert.ok(markdown.includes(`NODE_OPTIONS="${nodeOptions}"`));
    assert.match(markdown, /case 3 10000, 30000 Ingresses \(periodic re-check at 30000\)/);
    assert.match(
      markdown,
      /\| 30000 \| 12\.00 s \| 200 MiB \| .* \| 1\.00 s, 1\.50 s CPU, 0 writes \| 0\.0500 ms \|/,
    );
    assert.match(markdown, /\| 10000 \| 4\.00 s \| 120 MiB \| .* \| - \| - \|/);
  });
});
