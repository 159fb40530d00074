import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function runCli(env: Readonly<Record<string, string>>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [cli],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 },
      (error, _stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`Cannot run ${cli}`, { cause: error }));
          return;
        }
        resolve({ code: child.exitCode, stderr });
      },
    );
  });
}

describe('kube-lego start-up checks of the environment (issue 18 defect 9)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'start-up-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a LEGO_ACME_CA_FILE that is a directory as a configuration problem and exits 1 before starting', async () => {
    const run = await runCli({ LEGO_EMAIL: 'admin@example.test', LEGO_ACME_CA_FILE: dir, LEGO_EMIAL: 'x' });
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.ok(
      lines.some((line) =>
        /level=warning msg="Ignoring LEGO_EMIAL: kube-lego has no such variable, did you mean LEGO_EMAIL\? .*" context=kubelego variable=LEGO_EMIAL$/.test(
          line,
        ),
      ),
      run.stderr,
    );
    assert.ok(
      lines.some((line) =>
        /level=error msg="Cannot use LEGO_ACME_CA_FILE=\\"[^"]+\\": it is a directory, .*" context=kubelego variable=LEGO_ACME_CA_FILE$/.test(
          line,
        ),
      ),
      run.stderr,
    );
    assert.match(lines.at(-1) ?? '', /Cannot start kube-lego \S+: 1 configuration problem/);
    assert.ok(!run.stderr.includes('EISDIR'), 'no bare errno');
    assert.ok(!run.stderr.includes('starting'), 'nothing started');
  });
});
