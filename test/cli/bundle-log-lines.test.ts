import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { scrapeMetrics } from '../support/prometheus-text.js';
import { readyzOk } from '../support/readyz.js';

/** The project root, three levels above this compiled test (dist/test/cli). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the bundle on this Node prints only its own log lines', () => {
  let dir: string;
  let bundle: string;
  let sandbox: Sandbox;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-bundle-lines-'));
    bundle = join(dir, 'kube-lego.mjs');
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['scripts/bundle.mjs', bundle], { cwd: root }, (error, _stdout, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`bundling failed: ${stderr}`, { cause: error }));
      });
    });
    sandbox = await startSandbox();
  });

  after(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('from start through informer sync to shutdown, every stdout and stderr line is a JSON log line (no DEP0040)', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
    const port = await freeLoopbackPort();
    const metricsPort = await freeLoopbackPort();
    const child = spawn(process.execPath, [bundle], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: dir,
        KUBECONFIG: kubeconfig,
        LEGO_EMAIL: 'admin@example.test',
        LEGO_URL: 'https://127.0.0.1:9/directory',
        LEGO_PORT: String(port),
        LEGO_METRICS_PORT: String(metricsPort),
        LEGO_POD_IP: '127.0.0.1',
        LEGO_LOG_TYPE: 'json',
      },
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code) => {
        resolve(code);
      }),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!(await readyzOk(port))) {
        assert.equal(child.exitCode, null, `kube-lego exited early:\n${lines.join('\n')}`);
        assert.ok(Date.now() < deadline, `kube-lego was not ready within 30 s:\n${lines.join('\n')}`);
        await sleep(50);
      }
      // prom-client loads inside the bundle and serves; its default metrics print nothing of their own.
      const scraped = await scrapeMetrics(metricsPort);
      assert.equal(scraped.status, 200);
      assert.match(scraped.text, /^kube_lego_build_info\{version="[^"]+",node_version="v\d+/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, lines.join('\n'));
    assert.ok(
      lines.some((line) => line.includes('successfully connected to kubernetes api')),
      lines.join('\n'),
    );
    const foreign = lines.filter((line) => {
      try {
        const entry: unknown = JSON.parse(line);
        return typeof entry !== 'object' || entry === null || !('msg' in entry) || !('level' in entry);
      } catch {
        return true;
      }
    });
    assert.deepEqual(foreign, [], `lines that are not kube-lego's JSON log lines on ${process.version}`);
  });
});
