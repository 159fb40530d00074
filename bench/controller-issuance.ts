// Issuance latency of the real kube-lego process against the API sandbox and Pebble: time from creating an
// annotated Ingress to its Secret holding the certificate, for one 3-name certificate (median of N runs)
// and for 100 single-name Ingresses created at once. Run after the build:
//   node dist/bench/controller-issuance.js [runs] [burst] [LEGO_MAX_CONCURRENT_ORDERS]   (defaults 5, 100, 4)
// The burst is also the memory benchmark: the controller's RSS is sampled every 500 ms while it runs (peak
// and a curve per tenth of the burst); `node dist/bench/controller-issuance.js 0 2000` is 2,000 Ingresses at
// once. The controller's CPU during the burst alone is printed per certificate. BENCH_NODE_OPTIONS is
// passed to the controller as NODE_OPTIONS (for `--heapsnapshot-signal=SIGUSR2`).
// Results print as a table and are written to bench/results/controller-issuance-<concurrency>.json.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubeClient } from '../src/adapters/kube/kube-client.js';
import { loadKubeConnection } from '../src/adapters/kube/kube-connection.js';
import { KubeObjects } from '../src/adapters/kube/kube-objects.js';
import type { SecretObject } from '../src/adapters/kube/kube-types.js';
import { INGRESSES, type ResourceKind } from '../src/adapters/kube/resources.js';
import { startSandbox } from '../dev/sandbox/sandbox.js';
import { startControllerProcess } from '../test/e2e/controller-process.js';
import { startPebble } from '../test/support/pebble.js';
import { readyzOk } from '../test/support/readyz.js';
import { createMemoryCgroup } from './memory-cgroup.js';
import { processUsage, sampleRss, type RssSample } from './process-usage.js';

const runs = Number(process.argv[2] ?? 5);
const burst = Number(process.argv[3] ?? 100);
const concurrency = process.argv[4] ?? '4';
const NAMESPACES: ResourceKind = {
  apiVersion: 'v1',
  kind: 'Namespace',
  apiPath: '/api/v1',
  plural: 'namespaces',
};

function ingress(name: string, hosts: readonly string[]): unknown {
  return {
    metadata: { name, namespace: 'default', annotations: { 'kubernetes.io/tls-acme': 'true' } },
    spec: {
      tls: [{ hosts, secretName: `${name}-tls` }],
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }],
        },
      })),
    },
  };
}

function mib(bytes: number): number {
  return Math.round(bytes / 1_048_576);
}

/** The highest RSS sampled in each tenth of the burst: the memory curve, as `{ "10%": MiB, ... }`. */
function tenths(samples: readonly RssSample[], totalMs: number): Record<string, number> {
  const curve: Record<string, number> = {};
  for (let tenth = 1; tenth <= 10; tenth += 1) {
    const inTenth = samples.filter(
      (s) => s.atMs > ((tenth - 1) * totalMs) / 10 && s.atMs <= (tenth * totalMs) / 10,
    );
    curve[`${tenth * 10}%`] = mib(Math.max(0, ...inTenth.map((s) => s.rssBytes)));
  }
  return curve;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const [sandbox, pebble] = await Promise.all([
    startSandbox(),
    startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 }),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'controller-issuance-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sandbox.writeKubeconfig(kubeconfig);
  const client = new KubeClient(loadKubeConnection({ kind: 'kubeconfig', path: kubeconfig }), {
    userAgent: 'bench',
    requestTimeoutMs: 60_000,
  });
  const objects = new KubeObjects(client);
  await objects.create(NAMESPACES, '', { metadata: { name: 'kube-lego' } });
  const lego = startControllerProcess({
    KUBECONFIG: kubeconfig,
    LEGO_EMAIL: 'bench@example.test',
    LEGO_URL: pebble.directoryUrl,
    LEGO_ACME_CA_FILE: pebble.caFile,
    LEGO_PORT: String(pebble.httpPort),
    LEGO_METRICS_PORT: '0',
    LEGO_NAMESPACE: 'kube-lego',
    LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx',
    LEGO_KEY_TYPE: 'ecdsa-p256',
    LEGO_SELF_CHECK: 'false',
    LEGO_MAX_CONCURRENT_ORDERS: concurrency,
    ...(process.env['BENCH_NODE_OPTIONS'] === undefined
      ? {}
      : { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] }),
  });
  // BENCH_MEMORY_LIMIT_MI: the controller joins a memory cgroup of that limit right after it starts, so the
  // kernel holds it to a pod's limit (V8's heap limit comes from NODE_OPTIONS here: it is read at start).
  const limitMi = process.env['BENCH_MEMORY_LIMIT_MI'];
  const cgroup =
    limitMi === undefined
      ? undefined
      : createMemoryCgroup(`kube-lego-issuance-${process.pid}`, Number(limitMi) * 2 ** 20);
  if (cgroup !== undefined) {
    if (!cgroup.ok) throw new Error(`BENCH_MEMORY_LIMIT_MI: ${cgroup.reason}`);
    cgroup.cgroup.join(lego.child.pid ?? 0);
  }
  try {
    while (!(await readyzOk(pebble.httpPort))) await new Promise((resolve) => setTimeout(resolve, 50));
    // Read from the sandbox's store, not over HTTP: polling 2,000 Secrets must not load the API it measures.
    const stored = (name: string): Promise<boolean> => {
      const secret = sandbox.store.get('secrets', 'default', `${name}-tls`) as SecretObject | undefined;
      const annotations = secret?.metadata?.annotations ?? {};
      return Promise.resolve(
        annotations['kube-lego/not-after'] !== undefined && annotations['kube-lego/order-url'] === undefined,
      );
    };
    // Warm-up: the account is registered on the first order.
    await objects.create(INGRESSES, 'default', ingress('warmup', ['warmup.bench.test']));
    while (!(await stored('warmup'))) await new Promise((resolve) => setTimeout(resolve, 25));

    const single: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const name = `three-${run}`;
      const hosts = ['a', 'b', 'c'].map((p) => `${p}${run}.bench.test`);
      const start = performance.now();
      await objects.create(INGRESSES, 'default', ingress(name, hosts));
      while (!(await stored(name))) await new Promise((resolve) => setTimeout(resolve, 25));
      single.push(performance.now() - start);
    }

    const names = Array.from({ length: burst }, (_, i) => `burst-${i}`);
    const pid = lego.child.pid ?? 0;
    const beforeBurst = await processUsage(pid);
    const rssBeforeBurst = beforeBurst.rssBytes;
    const sampler = sampleRss(pid, 500);
    const auditFrom = sandbox.audit.length;
    const burstStart = performance.now();
    await Promise.all(
      names.map((name) => objects.create(INGRESSES, 'default', ingress(name, [`${name}.bench.test`]))),
    );
    const pending = new Set(names);
    while (pending.size > 0) {
      for (const name of [...pending]) if (await stored(name)) pending.delete(name);
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const burstMs = performance.now() - burstStart;
    const curve = sampler.stop();
    const usage = await processUsage(pid);
    const errors = lego.lines.filter((line) => line.includes('level=error')).length;
    // The controller's writes during the burst, from the sandbox audit log: the challenge routing objects
    // (outside the Ingresses' namespace) and the Secrets.
    const writes = sandbox.audit
      .slice(auditFrom)
      .filter((e) => ['create', 'update', 'patch', 'delete'].includes(e.verb));
    const challengeIngressWrites = writes.filter(
      (e) => e.resource.startsWith('ingresses') && e.namespace !== 'default',
    ).length;
    const secretWrites = writes.filter((e) => e.resource === 'secrets' && e.namespace === 'default').length;
    const result = {
      runs,
      singleThreeNameMs: { median: Math.round(median(single)), samples: single.map(Math.round) },
      burst,
      maxConcurrentOrders: Number(concurrency),
      burstAllStoredMs: Math.round(burstMs),
      rssBeforeBurstMiB: mib(rssBeforeBurst),
      peakRssMiB: mib(usage.peakRssBytes),
      cpuSeconds: usage.cpuSeconds,
      // The burst's own CPU (the Ingresses stored, the challenge objects still being removed), per certificate.
      burstCpuMsPerCertificate:
        Math.round(((usage.cpuSeconds - beforeBurst.cpuSeconds) * 1000 * 10) / burst) / 10,
      rssCurve: tenths(curve, burstMs),
      errorsLogged: errors,
      challengeIngressWrites,
      secretWrites,
    };
    console.table({
      'one 3-name certificate (median)': `${result.singleThreeNameMs.median} ms`,
      [`${burst} Ingresses at once, all stored (${concurrency} orders at a time)`]: `${result.burstAllStoredMs} ms`,
      'RSS before the burst': `${result.rssBeforeBurstMiB} MiB`,
      'peak RSS (VmHWM)': `${result.peakRssMiB} MiB`,
      'controller CPU (whole run)': `${result.cpuSeconds} s`,
      'controller CPU during the burst, per certificate': `${result.burstCpuMsPerCertificate} ms`,
      'error lines logged': errors,
      'challenge Ingress writes during the burst': challengeIngressWrites,
      'Secret writes during the burst': secretWrites,
      'memory limit (cgroup)':
        cgroup?.ok === true
          ? `${limitMi} Mi, ${cgroup.cgroup.oomKills()} OOM kills`
          : 'none (BENCH_MEMORY_LIMIT_MI)',
    });
    console.log('RSS during the burst (share of the burst time: MiB):', result.rssCurve);
    await mkdir('bench/results', { recursive: true });
    await writeFile(`bench/results/controller-issuance-${concurrency}.json`, JSON.stringify(result, null, 2));
  } finally {
    await lego.terminate();
    if (cgroup?.ok === true) cgroup.cgroup.remove();
    client.close();
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
