// Steady state at scale: N annotated Ingresses whose Secrets already hold valid certificates issued by
// kube-lego. Starts the real kube-lego process against the API sandbox and measures the time until every
// certificate has been checked, the API requests it made (from the sandbox audit log; the goal is no
// writes and no per-object reads) and its peak RSS. Run after the build:
//   node dist/bench/controller-steady-state.js [ingresses] [LEGO_CHECK_INTERVAL]   (defaults 10000, 60s)
// The periodic re-check at LEGO_CHECK_INTERVAL is timed as well (wall time and CPU per certificate);
// BENCH_NODE_OPTIONS is passed to the controller as NODE_OPTIONS (for `--heapsnapshot-signal=SIGUSR2`).
// With --metrics the controller serves /metrics: it is scraped every second during the first pass (does the
// scrape cost the reconcile loop?) and 20 times back to back after it, plain and gzip (what does a scrape of N
// cost?). Results print as a table and are written to bench/results/controller-steady-state[-metrics].json.
import '../src/x509/x509-runtime.js';
import { webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { KubeClient } from '../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../src/adapters/kube/kube-connection.js';
import { isKubeError } from '../src/adapters/kube/kube-errors.js';
import { KubeObjects } from '../src/adapters/kube/kube-objects.js';
import { INGRESSES, SECRETS, type ResourceKind } from '../src/adapters/kube/resources.js';
import { recordIssued } from '../src/domain/record-outcome.js';
import { managedSecretAnnotations, managedSecretLabels } from '../src/domain/secret-annotations.js';
import { startSandbox } from '../dev/sandbox/sandbox.js';
import { startControllerProcess } from '../test/e2e/controller-process.js';
import { freeLoopbackPort as freePort } from '../test/support/free-port.js';
import { parseExposition, samplesOf, scrapeMetrics } from '../test/support/prometheus-text.js';
import { processUsage } from './process-usage.js';
import { summarize } from './stats.js';

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const withMetrics = process.argv.includes('--metrics');
const count = Number(positional[0] ?? 10_000);
/** Time from the start to the periodic re-check, which is measured too; long enough for the first pass. */
const checkInterval = positional[1] ?? '60s';
const DIRECTORY_URL = 'https://acme.bench.invalid/directory';
const ANNOTATION = 'kubernetes.io/tls-acme';
const DAY_MS = 86_400_000;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NAMESPACES: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Namespace',
  apiPath: '/api/v1',
  plural: 'namespaces',
};

async function inBatches(total: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        const i = next;
        next += 1;
        await work(i);
      }
    }),
  );
}

/** Creates, retrying a dropped keep-alive connection; an object that made it before the drop counts. */
async function createWithRetry(objects: KubeObjects, resource: ResourceKind, object: unknown): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await objects.create(resource, 'default', object);
      return;
    } catch (err) {
      if (isKubeError(err, 'alreadyExists')) return;
      if (!isKubeError(err, 'transport') || attempt >= 5) throw err;
    }
  }
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** 20 scrapes back to back, then 20 with gzip: latency, size and what the controller's own loop saw. */
async function measureScrapes(port: number): Promise<Record<string, number>> {
  const durations: number[] = [];
  const gzipDurations: number[] = [];
  let text = '';
  let wireBytes = 0;
  for (const gzip of [false, true]) {
    for (let i = 0; i < 20; i += 1) {
      const at = performance.now();
      const answer = await scrapeMetrics(port, { gzip });
      (gzip ? gzipDurations : durations).push(performance.now() - at);
      if (gzip) wireBytes = answer.wireBytes;
      else text = answer.text;
    }
  }
  const exposition = parseExposition(text);
  const certificateSeries = exposition.samples.filter((s) =>
    s.name.startsWith('kube_lego_certificate_'),
  ).length;
  const lagMax = samplesOf(exposition, 'nodejs_eventloop_lag_max_seconds')[0]?.value ?? Number.NaN;
  return {
    scrapeMedianMs: Math.round(summarize(durations)?.median ?? Number.NaN),
    scrapeMaxMs: Math.round(summarize(durations)?.max ?? Number.NaN),
    scrapeBytes: Buffer.byteLength(text),
    gzipScrapeMedianMs: Math.round(summarize(gzipDurations)?.median ?? Number.NaN),
    gzipScrapeMaxMs: Math.round(summarize(gzipDurations)?.max ?? Number.NaN),
    gzipScrapeBytes: wireBytes,
    certificateSeries,
    eventLoopLagMaxMs: Math.round(lagMax * 1000),
  };
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'controller-steady-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sandbox.writeKubeconfig(kubeconfig);
  const client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
    userAgent: 'bench',
    requestTimeoutMs: 60_000,
  });
  const objects = new KubeObjects(client);
  await objects.create(NAMESPACES, '', { metadata: { name: 'kube-lego' } });

  // One CA and one leaf key for all certificates: what is measured is the controller, not key generation.
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: [{ CN: ['bench CA'] }],
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new BasicConstraintsExtension(true, undefined, true)],
  });
  const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leafKeyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey));
  const aki = await AuthorityKeyIdentifierExtension.create(caKeys.publicKey);
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(notBefore.getTime() + 90 * DAY_MS);

  const seedStart = performance.now();
  await inBatches(count, 32, async (i) => {
    const host = `h${i}.bench.test`;
    const name = `app-${i}`;
    const cert = await X509CertificateGenerator.create({
      serialNumber: (i + 2).toString(16).padStart(2, '0'),
      subject: [{ CN: [host] }],
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [aki, new SubjectAlternativeNameExtension([{ type: 'dns', value: host }])],
    });
    const record = recordIssued({
      hosts: [host],
      directoryUrl: DIRECTORY_URL,
      validity: { notBeforeMs: notBefore.getTime(), notAfterMs: notAfter.getTime() },
      ingresses: [`default/${name}`],
      minimumValidityMs: 30 * DAY_MS,
    });
    await createWithRetry(objects, SECRETS, {
      metadata: {
        name: `${name}-tls`,
        namespace: 'default',
        labels: managedSecretLabels({}),
        annotations: managedSecretAnnotations({}, record, ANNOTATION),
      },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from(cert.toString('pem') + '\n' + ca.toString('pem') + '\n').toString('base64'),
        'tls.key': Buffer.from(leafKeyPem).toString('base64'),
      },
    });
    await createWithRetry(objects, INGRESSES, {
      metadata: { name, namespace: 'default', annotations: { [ANNOTATION]: 'true' } },
      spec: {
        tls: [{ hosts: [host], secretName: `${name}-tls` }],
        rules: [
          {
            host,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
  });
  const seedMs = performance.now() - seedStart;
  client.close();

  const auditStart = sandbox.audit.length;
  const metricsPort = withMetrics ? await freePort() : 0;
  const started = performance.now();
  const lego = startControllerProcess({
    KUBECONFIG: kubeconfig,
    LEGO_EMAIL: 'bench@example.test',
    LEGO_URL: DIRECTORY_URL,
    LEGO_PORT: String(await freePort()),
    LEGO_NAMESPACE: 'kube-lego',
    LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx',
    LEGO_ARI: 'false',
    LEGO_SELF_CHECK: 'false',
    LEGO_CHECK_INTERVAL: checkInterval,
    LEGO_METRICS_PORT: String(metricsPort),
    ...(process.env['BENCH_NODE_OPTIONS'] === undefined
      ? {}
      : { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] }),
  });
  const pid = lego.child.pid ?? 0;
  // Lines are scanned once each: the benchmark shares the machine with the controller it measures.
  let scanned = 0;
  let checked = 0;
  let connectedAt = Number.NaN;
  let recheckSeenAt = Number.NaN;
  const waitUntil = async (done: () => boolean): Promise<void> => {
    for (;;) {
      for (; scanned < lego.lines.length; scanned += 1) {
        const line = lego.lines[scanned] ?? '';
        if (line.includes('no renewal needed')) checked += 1;
        else if (Number.isNaN(connectedAt) && line.includes('successfully connected'))
          connectedAt = performance.now();
        else if (Number.isNaN(recheckSeenAt) && line.includes('Periodically check certificates'))
          recheckSeenAt = performance.now();
      }
      if (done()) return;
      if (lego.child.exitCode !== null)
        throw new Error(`kube-lego exited:\n${lego.lines.slice(-20).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  // During the first pass: one scrape a second, as a Prometheus with a 1 s interval would (60 s is usual).
  const duringPassMs: number[] = [];
  let passing = withMetrics;
  const scraper = (async () => {
    while (passing) {
      const at = performance.now();
      try {
        const answer = await scrapeMetrics(metricsPort);
        if (answer.status === 200) duringPassMs.push(performance.now() - at);
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  await waitUntil(() => checked >= count);
  const allCheckedMs = performance.now() - started;
  const sinceConnectedMs = performance.now() - connectedAt;
  passing = false;
  await scraper;
  const firstPass = await processUsage(pid);
  const scrape = withMetrics ? await measureScrapes(metricsPort) : undefined;
  // The periodic re-check (LEGO_CHECK_INTERVAL after the start) looks at every certificate again.
  await waitUntil(() => !Number.isNaN(recheckSeenAt));
  const beforeRecheck = await processUsage(pid);
  await waitUntil(() => checked >= 2 * count);
  const recheckMs = performance.now() - recheckSeenAt;
  const afterRecheck = await processUsage(pid);
  // Let anything that follows the pass (writes, retries) show up in the audit log.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const usage = await processUsage(pid);
  await lego.terminate();
  const requests = sandbox.audit.slice(auditStart);
  const byVerb = new Map<string, number>();
  for (const entry of requests) {
    const key = `${entry.verb} ${entry.resource}${entry.name === '' ? '' : ' (one object)'}`;
    byVerb.set(key, (byVerb.get(key) ?? 0) + 1);
  }
  const writes = requests.filter((e) => ['create', 'update', 'patch', 'delete'].includes(e.verb)).length;
  const objectReads = requests.filter((e) => e.verb === 'get' && e.name !== '' && e.resource !== '').length;
  const unexpectedLines = lego.lines.filter((l) => /requesting certificate|level=error/.test(l));
  const unexpected = unexpectedLines.length;
  const result = {
    ingresses: count,
    seedMs: Math.round(seedMs),
    allCheckedMs: Math.round(allCheckedMs),
    sinceConnectedMs: Math.round(sinceConnectedMs),
    firstPassCpuSeconds: firstPass.cpuSeconds,
    peakRssMiB: Math.round(usage.peakRssBytes / 1048576),
    recheckMs: Math.round(recheckMs),
    recheckCpuSeconds: Number((afterRecheck.cpuSeconds - beforeRecheck.cpuSeconds).toFixed(2)),
    recheckCpuMsPerCertificate: Number(
      (((afterRecheck.cpuSeconds - beforeRecheck.cpuSeconds) * 1000) / count).toFixed(4),
    ),
    apiRequests: requests.length,
    writes,
    objectReads,
    unexpectedLines: unexpected,
    // The first few, so a run says what went wrong (the log carries no key material).
    unexpectedSamples: unexpectedLines.slice(0, 3),
    byVerb: Object.fromEntries([...byVerb.entries()].sort()),
    ...(scrape === undefined
      ? {}
      : {
          peakRssFirstPassMiB: Math.round(firstPass.peakRssBytes / 1048576),
          scrapesDuringPass: duringPassMs.length,
          scrapeDuringPassMedianMs: Math.round(summarize(duringPassMs)?.median ?? Number.NaN),
          scrapeDuringPassMaxMs: Math.round(summarize(duringPassMs)?.max ?? Number.NaN),
          ...scrape,
        }),
  };
  console.table({
    'ingresses checked': count,
    'time to check all (process start)': `${result.allCheckedMs} ms`,
    'time to check all (after connecting)': `${result.sinceConnectedMs} ms`,
    'CPU of the first pass (process start to all checked)': `${result.firstPassCpuSeconds} s`,
    'peak RSS': `${result.peakRssMiB} MiB`,
    'periodic re-check: wall': `${result.recheckMs} ms`,
    'periodic re-check: CPU per certificate': `${result.recheckCpuMsPerCertificate} ms`,
    'API requests': result.apiRequests,
    writes,
    'per-object reads': objectReads,
    'error or issuance lines': unexpected,
  });
  console.log(result.byVerb);
  if (scrape !== undefined) console.table(scrape);
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    `bench/results/controller-steady-state${withMetrics ? '-metrics' : ''}.json`,
    JSON.stringify(result, null, 2),
  );
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
