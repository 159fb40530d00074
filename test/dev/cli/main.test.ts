import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { VERSION } from '../../../src/version.js';

const cli = fileURLToPath(new URL('../../../dev/cli/main.js', import.meta.url));

function runDevCli(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [cli, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`Cannot run ${cli}`, { cause: error }));
          return;
        }
        resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

describe('kube-lego-dev CLI (development commands, not in the product)', () => {
  it('--help lists the sandbox and demo commands and no run command', async () => {
    const result = await runDevCli(['--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: kube-lego-dev /m);
    for (const command of ['sandbox', 'demo'])
      assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    assert.doesNotMatch(result.stdout, /^ {2}run\b/m);
  });

  it('sandbox --help keeps the --kubeconfig, --ca-out and --no-gateway-api options', async () => {
    const result = await runDevCli(['sandbox', '--help']);
    assert.equal(result.code, 0, result.stderr);
    // commander wraps the help text at 80 columns, so any run of white space may be a line break.
    assert.match(result.stdout, /--kubeconfig <path>\s+where .*\s+\(default:\s+"\.sandbox\/kubeconfig"\)/);
    assert.match(result.stdout, /--ca-out <path>/);
    assert.match(result.stdout, /--no-gateway-api\s+serve no Gateway API kinds/);
  });

  it('--version prints the package version', async () => {
    const result = await runDevCli(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${VERSION}\n`);
  });
});
