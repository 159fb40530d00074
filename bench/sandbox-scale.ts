// Kubernetes API sandbox at kube-lego's scale target: startup time, loading 10,000 Ingresses and 10,000
// Secrets over HTTP, listing them (whole, paged, label-selected), and watching (initial replay and live
// change latency). Run after the build:
//   node dist/bench/sandbox-scale.js [objectsPerKind]
// Results print as a table and are written to bench/results/sandbox-scale.json.
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Sandbox } from '../dev/sandbox/sandbox.js';

// Module loading is part of a cold start: time the import itself.
const importStart = performance.now();
const { startSandbox } = await import('../dev/sandbox/sandbox.js');
const importMs = performance.now() - importStart;

const perKind = Number(process.argv[2] ?? 10_000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, sb.url),
      {
        method,
        agent,
        headers: {
          Authorization: `Bearer ${sb.adminToken}`,
          Accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function ingress(i: number): unknown {
  const host = `site-${i}.example.com`;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `web-${i}`,
      namespace: `ns-${i % 100}`,
      annotations: { 'kubernetes.io/tls-acme': 'true' },
    },
    spec: {
      tls: [{ hosts: [host], secretName: `web-${i}-tls` }],
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function secret(i: number): unknown {
  // A realistic TLS secret size: ~3 KiB certificate chain plus ~1.7 KiB key, base64 of random bytes.
  const pem = (n: number): string => Buffer.alloc(n, i % 251).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `web-${i}-tls`,
      namespace: `ns-${i % 100}`,
      labels: { 'managed-by': i % 100 === 0 ? 'kube-lego' : 'other' },
    },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': pem(3000), 'tls.key': pem(1700) },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const results: Record<string, number | string> = { objectsPerKind: perKind, node: process.version, importMs };

// Startup: median of 20 in-process starts (the first pays for module loading; reported separately).
const startups: number[] = [];
for (let i = 0; i < 21; i++) {
  const { ms, value } = await timed(() => startSandbox());
  startups.push(ms);
  await value.close();
}
results['startFirstMs'] = startups[0] ?? NaN;
results['startMedianMs'] = [...startups.slice(1)].sort((a, b) => a - b)[10] ?? NaN;

const sb = await startSandbox({ auditLog: false, watchHistoryLimit: 50_000 });
for (let n = 0; n < 100; n++)
  await request(sb, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${n}` },
  });

const loadIngresses = await timed(() =>
  pool(perKind, 16, async (i) => {
    const res = await request(
      sb,
      'POST',
      `/apis/networking.k8s.io/v1/namespaces/ns-${i % 100}/ingresses`,
      ingress(i),
    );
    if (res.status !== 201) throw new Error(`creating ingress ${i} answered ${res.status}: ${res.text}`);
  }),
);
const loadSecrets = await timed(() =>
  pool(perKind, 16, async (i) => {
    const res = await request(sb, 'POST', `/api/v1/namespaces/ns-${i % 100}/secrets`, secret(i));
    if (res.status !== 201) throw new Error(`creating secret ${i} answered ${res.status}: ${res.text}`);
  }),
);
results['createIngressesPerSec'] = Math.round(perKind / (loadIngresses.ms / 1000));
results['createSecretsPerSec'] = Math.round(perKind / (loadSecrets.ms / 1000));

const listIngresses = await timed(() => request(sb, 'GET', '/apis/networking.k8s.io/v1/ingresses'));
results['listAllIngressesMs'] = listIngresses.ms;
results['listAllIngressesMiB'] = (listIngresses.value.text.length / 1048576).toFixed(1);
const listSecrets = await timed(() => request(sb, 'GET', '/api/v1/secrets'));
results['listAllSecretsMs'] = listSecrets.ms;
results['listAllSecretsMiB'] = (listSecrets.value.text.length / 1048576).toFixed(1);
const listIngressesLabelled = await timed(() =>
  request(sb, 'GET', '/apis/networking.k8s.io/v1/namespaces/ns-3/ingresses'),
);
results['listOneNamespaceIngressesMs'] = listIngressesLabelled.ms;

const paged = await timed(async () => {
  let token = '';
  let pages = 0;
  do {
    const res = await request(
      sb,
      'GET',
      `/api/v1/secrets?limit=500${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`,
    );
    const parsed = JSON.parse(res.text) as { metadata?: { continue?: string } };
    token = parsed.metadata?.continue ?? '';
    pages++;
  } while (token !== '');
  return pages;
});
results['listSecretsPagedMs'] = paged.ms;
results['listSecretsPages'] = paged.value;
const selected = await timed(() =>
  request(sb, 'GET', '/api/v1/secrets?labelSelector=managed-by%3Dkube-lego'),
);
results['listLabelSelectedSecretsMs'] = selected.ms;
const one = await timed(() => request(sb, 'GET', '/api/v1/namespaces/ns-7/secrets/web-7-tls'));
results['getOneSecretMs'] = one.ms;

// Watch: replay of every Ingress from resourceVersion 0, then the latency of live updates.
interface LiveWatch {
  events: number;
  onEvent: (line: string) => void;
  req: http.ClientRequest;
}
function openWatch(path: string, onEvent: (line: string) => void): Promise<LiveWatch> {
  return new Promise((resolve) => {
    const w: LiveWatch = { events: 0, onEvent, req: undefined as unknown as http.ClientRequest };
    w.req = http.get(
      new URL(path, sb.url),
      { headers: { Authorization: `Bearer ${sb.adminToken}` } },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            w.events++;
            w.onEvent(buffer.slice(0, nl));
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
          }
        });
        resolve(w);
      },
    );
    w.req.on('error', () => undefined);
  });
}
let replayWatch: LiveWatch | undefined;
const replay = await timed(
  () =>
    new Promise<void>((resolve) => {
      let seen = 0;
      void openWatch('/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=0', () => {
        seen++;
        if (seen === perKind) resolve();
      }).then((w) => {
        replayWatch = w;
      });
    }),
);
results['watchReplayAllIngressesMs'] = replay.ms;

const pending = new Map<string, number>();
const latencies: number[] = [];
const live = await openWatch(
  `/apis/networking.k8s.io/v1/namespaces/ns-1/ingresses?watch=true&resourceVersion=${sb.store.resourceVersion}`,
  (line) => {
    const event = JSON.parse(line) as { object?: { metadata?: { annotations?: Record<string, string> } } };
    const marker = event.object?.metadata?.annotations?.['bench/marker'];
    const sentAt = marker === undefined ? undefined : pending.get(marker);
    if (marker !== undefined && sentAt !== undefined) {
      latencies.push(performance.now() - sentAt);
      pending.delete(marker);
    }
  },
);
const updates = 1000;
const updateRun = await timed(async () => {
  for (let u = 0; u < updates; u++) {
    const marker = `m${u}`;
    pending.set(marker, performance.now());
    await request(
      sb,
      'PATCH',
      `/apis/networking.k8s.io/v1/namespaces/ns-1/ingresses/web-${1 + 100 * (u % Math.floor(perKind / 100))}`,
      {
        metadata: { annotations: { 'bench/marker': marker } },
      },
      'application/merge-patch+json',
    ).then((r) => {
      if (r.status !== 200) throw new Error(`patch answered ${r.status}: ${r.text}`);
    });
  }
  while (pending.size > 0) await new Promise((r) => setTimeout(r, 5));
});
latencies.sort((a, b) => a - b);
results['patchesPerSecSequential'] = Math.round(updates / (updateRun.ms / 1000));
results['watchLatencyP50Ms'] = percentile(latencies, 50);
results['watchLatencyP99Ms'] = percentile(latencies, 99);
const memory = process.memoryUsage();
results['rssMiB'] = Math.round(memory.rss / 1048576);
results['heapUsedMiB'] = Math.round(memory.heapUsed / 1048576);

live.req.destroy();
replayWatch?.req.destroy();
agent.destroy();
await sb.close();

for (const [k, v] of Object.entries(results))
  console.log(`${k.padEnd(30)} ${typeof v === 'number' ? v.toFixed(v % 1 === 0 ? 0 : 2) : v}`);
await mkdir(new URL('../../bench/results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('../../bench/results/sandbox-scale.json', import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
);
