import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { startManagedProcess } from './managed-process.js';

const managedProcessModule = new URL('./managed-process.js', import.meta.url).href;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/**
 * Starts a separate Node process that starts `sleep 60` as a managed process, prints its PID, then idles; the
 * caller ends that Node process with `signal` and checks that the sleep dies with it.
 */
async function orphanCheck(signal: NodeJS.Signals): Promise<boolean> {
  const script = `
    const { startManagedProcess } = await import(${JSON.stringify(managedProcessModule)});
    const child = startManagedProcess({ name: 'sleeper', command: 'sleep', args: ['60'] });
    process.stdout.write(child.pid + '\\n');
    setInterval(() => {}, 1000);
  `;
  const host = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [chunk] = (await once(host.stdout, 'data')) as [Buffer];
    const sleeperPid = Number(chunk.toString().trim());
    assert.ok(Number.isInteger(sleeperPid) && isAlive(sleeperPid));
    host.kill(signal);
    await once(host, 'exit');
    return await waitForExit(sleeperPid, 5_000);
  } finally {
    if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
  }
}

describe('startManagedProcess()', () => {
  it('stop() ends the process by PID and is idempotent', async () => {
    const child = startManagedProcess({ name: 'sleeper', command: 'sleep', args: ['60'] });
    assert.equal(child.exitStatus(), undefined);
    await Promise.all([child.stop(), child.stop()]);
    assert.equal(child.exitStatus(), 'signal SIGTERM');
    assert.equal(isAlive(child.pid), false);
  });

  it('keeps the output for failure messages', async () => {
    const child = startManagedProcess({
      name: 'echo',
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2'],
    });
    await waitForExit(child.pid, 5_000);
    await child.stop();
    assert.match(child.output(), /out/);
    assert.match(child.output(), /err/);
  });

  it('kills the process when the test process is terminated (SIGTERM)', async () => {
    assert.equal(await orphanCheck('SIGTERM'), true);
  });

  it('kills the process when the test process is killed outright (SIGKILL)', async () => {
    assert.equal(await orphanCheck('SIGKILL'), true);
  });
});
