import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { freeLoopbackPort } from '../support/free-port.js';

/** The project root, three levels above this compiled test (dist/test/cli). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`Cannot run ${command} ${args.join(' ')}: ${stderr}`, { cause: error }));
          return;
        }
        resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

describe('the one-file bundle (what the container image ships)', () => {
  let dir: string;
  let bundle: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-bundle-'));
    bundle = join(dir, 'kube-lego.mjs');
    const built = await run(process.execPath, ['scripts/bundle.mjs', bundle], {});
    assert.equal(built.code, 0, built.stderr);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is one executable file', async () => {
    const info = await stat(bundle);
    assert.ok(info.isFile());
    assert.ok((info.mode & 0o111) !== 0, 'executable bits set');
  });

  it('--version prints the package version', async () => {
    const result = await run(process.execPath, [bundle, '--version'], {});
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${VERSION}\n`);
  });

  it('--help lists the run, sandbox and demo commands', async () => {
    const result = await run(process.execPath, [bundle, '--help'], {});
    assert.equal(result.code, 0, result.stderr);
    for (const command of ['run', 'sandbox', 'demo'])
      assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('exits 1 on a configuration error, naming the variable on stderr', async () => {
    const result = await run(process.execPath, [bundle], {
      LEGO_EMAIL: 'admin@example.test',
      LEGO_PORT: 'eighty',
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /level=error .*variable=LEGO_PORT/);
    assert.match(result.stderr, /Cannot start kube-lego .*: 1 configuration problem/);
  });

  it('reaches the Kubernetes connection (its dependencies load inside the ESM bundle)', async () => {
    // A valid configuration reaches the Kubernetes connection, which parses the kubeconfig (js-yaml);
    // a kubeconfig that does not exist makes that step fail with kube-lego's typed error, not a module error.
    const result = await run(process.execPath, [bundle], {
      LEGO_EMAIL: 'admin@example.test',
      KUBECONFIG: join(dir, 'missing-kubeconfig'),
      LEGO_PORT: String(await freeLoopbackPort()),
      LEGO_POD_IP: '127.0.0.1',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /Cannot find module|Dynamic require|ERR_REQUIRE_ESM|is not defined/);
    assert.match(result.stderr, /code=kubeConnectionInvalid/);
  });
});
