// The shipped controller's footprint: the one-file bundle's size, its start-up time and its idle memory.
// Run after the build:
//   node dist/bench/footprint.js [runs]   (default 7)
// Builds the bundle afresh (scripts/bundle.mjs) into a temporary directory, then starts it `runs` times with
// the running Node against the project's API sandbox (started in this process) and reports, as medians:
// - start-up: spawn to the first log line, and spawn to "connecting to kubernetes api" (module loading and the
//   kubeconfig are behind it);
// - ready: spawn to `/readyz` answering 200 (informers listed and watching);
// - idle RSS: VmRSS of the controller 2 s after it is ready, with one Ingress and no work to do.
// Every line the controller prints that is not one of its JSON log lines (a Node warning such as DEP0040)
// is reported with its count. Timing is reported, never asserted.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '../dev/sandbox/sandbox.js';
import { freeLoopbackPort } from '../test/support/free-port.js';
import { summarize } from './stats.js';
import { projectRoot } from './tool-paths.js';
import { readyzOk } from '../test/support/readyz.js';
import { sandboxApi } from './drivers/kube-lego-process-driver.js';

const runs = Number(process.argv[2] ?? 7);
const settleMs = 2_000;
const timeoutMs = 60_000;

interface RunResult {
  readonly firstLineMs: number;
  readonly connectingMs: number;
  readonly readyMs: number;
  readonly idleRssBytes: number;
  readonly foreignLines: readonly string[];
}

async function createObject(sandbox: Sandbox, path: string, body: unknown): Promise<void> {
  const status = await sandboxApi(sandbox, 'POST', path, body);
  if (status !== 201) throw new Error(`POST ${path}: HTTP ${status}`);
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

async function startOnce(bundle: string, kubeconfig: string, workDir: string): Promise<RunResult> {
  const port = await freeLoopbackPort();
  const started = performance.now();
  const child = spawn(process.execPath, [bundle], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: workDir,
      KUBECONFIG: kubeconfig,
      LEGO_EMAIL: 'footprint@example.test',
      // Never contacted: with no Ingress asking for a certificate the controller does not reach the CA.
      LEGO_URL: 'https://127.0.0.1:9/directory',
      LEGO_PORT: String(port),
      LEGO_METRICS_PORT: '0',
      LEGO_POD_IP: '127.0.0.1',
      LEGO_NAMESPACE: 'kube-lego',
      LEGO_LOG_TYPE: 'json',
    },
  });
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      resolve();
    }),
  );
  const lines: { atMs: number; text: string }[] = [];
  const onLine = (text: string): void => {
    lines.push({ atMs: performance.now() - started, text });
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  try {
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`kube-lego exited (${child.exitCode}): ${tail(lines)}`);
      if (performance.now() - started > timeoutMs) throw new Error(`kube-lego not ready: ${tail(lines)}`);
      if (await readyzOk(port)) readyMs = performance.now() - started;
      else await sleep(20);
    }
    await sleep(settleMs);
    const pid = child.pid;
    if (pid === undefined) throw new Error('kube-lego has no pid');
    const idleRssBytes = await rssBytes(pid);
    const first = lines[0];
    const connecting = lines.find((line) => line.text.includes('connecting to kubernetes api'));
    if (first === undefined || connecting === undefined)
      throw new Error(`kube-lego did not log its connect attempt: ${tail(lines)}`);
    return {
      firstLineMs: first.atMs,
      connectingMs: connecting.atMs,
      readyMs,
      idleRssBytes,
      // Node prefixes its warnings with the process id; without it the same warning counts as one line.
      foreignLines: lines
        .filter((line) => !isJsonLine(line.text))
        .map((line) => line.text.replace(/^\(node:\d+\)/, '(node:PID)')),
    };
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  }
}

function isJsonLine(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

function tail(lines: readonly { text: string }[]): string {
  return lines
    .slice(-5)
    .map((line) => line.text)
    .join('\n');
}

function median(samples: readonly number[]): number {
  return summarize(samples)?.median ?? Number.NaN;
}

function build(bundle: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/bundle.mjs', bundle], {
      cwd: projectRoot(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`scripts/bundle.mjs exited ${String(code)}`));
    });
  });
}

const workDir = await mkdtemp(join(tmpdir(), 'kube-lego-footprint-'));
const sandbox = await startSandbox();
try {
  const bundle = join(workDir, 'kube-lego.mjs');
  await build(bundle);
  const text = await readFile(bundle, 'utf8');
  const kubeconfig = join(workDir, 'kubeconfig');
  await sandbox.writeKubeconfig(kubeconfig);
  await createObject(sandbox, '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kube-lego' },
  });
  await createObject(sandbox, '/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'default' },
    spec: { rules: [{ host: 'web.example.test' }] },
  });
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) results.push(await startOnce(bundle, kubeconfig, workDir));
  const foreign = new Map<string, number>();
  for (const line of results.flatMap((result) => result.foreignLines))
    foreign.set(line, (foreign.get(line) ?? 0) + 1);
  const ms = (value: number): string => `${Math.round(value)} ms`;
  const rows: [string, string][] = [
    ['node', process.version],
    ['bundle bytes', String(Buffer.byteLength(text))],
    ['bundle lines', String(text.split('\n').length - 1)],
    ['runs', String(runs)],
    ['spawn to first log line (median)', ms(median(results.map((result) => result.firstLineMs)))],
    ['spawn to "connecting" (median)', ms(median(results.map((result) => result.connectingMs)))],
    ['spawn to /readyz 200 (median)', ms(median(results.map((result) => result.readyMs)))],
    [
      `idle RSS ${settleMs / 1000} s after ready (median)`,
      `${(median(results.map((result) => result.idleRssBytes)) / 2 ** 20).toFixed(1)} MiB`,
    ],
    ['lines that are not JSON log lines', String(results.reduce((n, r) => n + r.foreignLines.length, 0))],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  for (const [line, count] of foreign) console.log(`  (x${count}) ${line}`);
} finally {
  await sandbox.close();
  await rm(workDir, { recursive: true, force: true });
}
