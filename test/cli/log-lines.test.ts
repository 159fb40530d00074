import assert from 'node:assert/strict';
import { NGINX_ONLY, controllerEnv } from '../support/controller-env.js';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LOG_CONTEXTS } from '../../src/log/log-context.js';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { startPebble, type PebbleRig } from '../support/pebble.js';

const execute = promisify(execFile);
/** The project root, three levels above this compiled test (dist/test/cli). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

const LEVELS = ['debug', 'info', 'warning', 'error', 'fatal', 'panic'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// logrus TextFormatter without colours: time, level, optional msg, then key=value with bare or Go-quoted values.
const TEXT_VALUE = String.raw`(?:[A-Za-z0-9\-._/@^+]*|"(?:[^"\\]|\\.)*")`;
const TEXT_LINE = new RegExp(
  String.raw`^time="[^"]+" level=(${LEVELS.join('|')})(?: msg=${TEXT_VALUE})?(?: [A-Za-z0-9_.\-]+=${TEXT_VALUE})*$`,
);

/** Why a line is not kube-lego's JSON log line, or undefined when it is one. */
function jsonLineProblem(line: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const entry = parsed as Record<string, unknown>;
  if (typeof entry.level !== 'string' || !LEVELS.includes(entry.level)) return 'no logrus level';
  if (typeof entry.msg !== 'string') return 'no msg';
  if (typeof entry.time !== 'string' || !RFC3339.test(entry.time)) return 'no RFC 3339 time';
  const contexts: readonly string[] = LOG_CONTEXTS;
  if (entry.context !== undefined && (typeof entry.context !== 'string' || !contexts.includes(entry.context)))
    return 'unknown context';
  return undefined;
}

/** Why a line is not kube-lego's text log line, or undefined when it is one. */
function textLineProblem(line: string): string | undefined {
  const match = TEXT_LINE.exec(line);
  if (match === null) return 'not a logrus text line';
  const time = /^time="([^"]+)"/.exec(line)?.[1] ?? '';
  return RFC3339.test(time) ? undefined : 'no RFC 3339 time';
}

function manifests(suffix: string): string {
  const many = Array.from({ length: 100 }, (_, i) => `n${i}.${suffix}.example.test`);
  const ingress = (name: string, hosts: readonly string[]): string =>
    `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${name}\n  namespace: default\n  annotations:\n    kubernetes.io/tls-acme: "true"\nspec:\n  tls:\n  - hosts: [${hosts.join(', ')}]\n    secretName: ${name}-tls\n  rules:\n  - host: ${hosts[0] ?? ''}\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\n`;
  return [ingress(`single-${suffix}`, [`www.${suffix}.example.test`]), ingress(`many-${suffix}`, many)].join(
    '---\n',
  );
}

describe('the bundled CLI writes nothing but its configured log format to stdout and stderr', () => {
  let sandbox: Sandbox;
  let pebble: PebbleRig;
  let dir: string;
  let bundle: string;
  let kubeconfig: string;

  before(async () => {
    [sandbox, pebble] = await Promise.all([startSandbox(), startPebble({ nonceRejectPercent: 0 })]);
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-log-lines-'));
    bundle = join(dir, 'kube-lego.mjs');
    await execute(process.execPath, ['scripts/bundle.mjs', bundle], { cwd: root });
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    const namespace = join(dir, 'namespace.yaml');
    await writeFile(namespace, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-lego\n');
    await execute('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', namespace]);
  });

  after(async () => {
    await Promise.all([sandbox.close(), pebble.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the bundle until both certificates are stored, then stops it; returns its stdout and stderr lines. */
  async function runThroughIssuance(
    format: 'json' | 'text',
  ): Promise<{ stdout: string[]; stderr: string[] }> {
    const file = join(dir, `ingresses-${format}.yaml`);
    await writeFile(file, manifests(format));
    await execute('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', file]);
    const child = spawn(process.execPath, [bundle], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...controllerEnv(
          { kubeconfig, ...pebble },
          { ...NGINX_ONLY, LEGO_METRICS_PORT: '0', LEGO_LOG_TYPE: format, LEGO_LOG_LEVEL: 'debug' },
        ),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
    });
    try {
      const deadline = Date.now() + 120_000;
      for (const secret of [`single-${format}-tls`, `many-${format}-tls`]) {
        for (;;) {
          assert.ok(Date.now() < deadline, `${secret} not issued:\n${stdout}${stderr}`);
          assert.equal(child.exitCode, null, `kube-lego exited:\n${stdout}${stderr}`);
          const got = await execute('kubectl', [
            '--kubeconfig',
            kubeconfig,
            'get',
            'secret',
            secret,
            '-o',
            'json',
          ]).catch(() => ({ stdout: '{}' }));
          const object = JSON.parse(got.stdout) as {
            data?: Record<string, string>;
            metadata?: { annotations?: Record<string, string> };
          };
          const pem = Buffer.from(object.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
          // The issuance record: until the CA's certificate is stored the Secret holds a temporary one.
          if (object.metadata?.annotations?.['kube-lego/not-after'] !== undefined) {
            const names = new X509Certificate(pem).subjectAltName?.split(', ') ?? [];
            assert.equal(names.length, secret.startsWith('many') ? 100 : 1);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `kube-lego did not stop cleanly:\n${stdout}${stderr}`);
    const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');
    return { stdout: lines(stdout), stderr: lines(stderr) };
  }

  for (const [format, problemOf] of [
    ['json', jsonLineProblem],
    ['text', textLineProblem],
  ] as const) {
    it(`LEGO_LOG_TYPE=${format}: every line of an issuance and a 100-name order parses`, async () => {
      const { stdout, stderr } = await runThroughIssuance(format);
      const all = [...stdout.map((line) => ['stdout', line]), ...stderr.map((line) => ['stderr', line])];
      const bad = all.flatMap(([stream, line]) => {
        const problem = problemOf(line ?? '');
        return problem === undefined ? [] : [`${stream} (${problem}): ${line}`];
      });
      assert.deepEqual(bad, []);
      const stored = all.filter(([, line]) => line?.includes('Secret successfully stored'));
      assert.equal(stored.length, 2, 'both certificates were logged as stored');
    });
  }
});
