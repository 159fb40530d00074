import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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

/** The part of esbuild's metafile the test reads: every input module, by path relative to the project root. */
interface Metafile {
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Modules the product cannot run without: present in every bundle, so the absence checks below can fail. */
const PRODUCT_MODULES = [
  'src/cli/main.ts',
  'src/cli/run-command.ts',
  'src/domain/decide.ts',
  'src/runtime/workqueue.ts',
] as const;

describe('the one-file bundle (what the container image ships)', () => {
  let dir: string;
  let bundle: string;
  let inputs: readonly string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-bundle-'));
    bundle = join(dir, 'kube-lego.mjs');
    const built = await run(process.execPath, ['scripts/bundle.mjs', bundle], {});
    assert.equal(built.code, 0, built.stderr);
    const metafile = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Metafile;
    inputs = Object.keys(metafile.inputs);
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

  it('contains the product modules and no development code (the API sandbox, the dev environment, dev/)', () => {
    for (const module of PRODUCT_MODULES) assert.ok(inputs.includes(module), `${module} is in the bundle`);
    const ours = inputs.filter((input) => !input.startsWith('node_modules/'));
    assert.deepEqual(
      ours.filter((input) => input.startsWith('dev/') || /(^|\/)(sandbox|devenv)\//.test(input)),
      [],
    );
    assert.ok(
      ours.every((input) => input.startsWith('src/')),
      `every own module comes from src/: ${ours.join(', ')}`,
    );
  });

  it('--help lists the run command only, not the development commands sandbox and demo', async () => {
    const result = await run(process.execPath, [bundle, '--help'], {});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}run\b/m);
    for (const command of ['sandbox', 'demo'])
      assert.doesNotMatch(result.stdout, new RegExp(`\\b${command}\\b`));
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
