import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, next to this compiled test (dist/test/e2e -> dist/src/cli). */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A running `kube-lego` process with its log lines (stderr) collected. */
export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  terminate(): Promise<number | null>;
  /** SIGKILL (a crash), then the exit code. */
  kill(): Promise<number | null>;
  /** Waits until a log line matches, or fails after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * Starts the real controller process with `env` (nothing of the test's own environment leaks in but PATH).
 * Metrics are off unless `env` sets LEGO_METRICS_PORT: processes of parallel tests would share port 9402.
 */
export function startControllerProcess(env: Readonly<Record<string, string>>): ControllerProcess {
  const child = spawn(process.execPath, [CLI], {
    env: { PATH: process.env['PATH'] ?? '', LEGO_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
  };
  child.stderr.on('data', collect);
  child.stdout.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const signal = (name: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return {
    child,
    lines,
    exited,
    terminate: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((line) => pattern.test(line));
        if (found !== undefined) return found;
        if (child.exitCode !== null)
          throw new Error(
            `kube-lego exited (${child.exitCode}) before logging ${String(pattern)}:\n${lines.join('\n')}`,
          );
        if (Date.now() > deadline)
          throw new Error(`kube-lego did not log ${String(pattern)}:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** What one run of the CLI printed, and its exit code. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI once with `args` and exactly `env` (plus PATH, unless `env` sets it), as a container or a
 * user's shell would start it; `script` runs another entry point of the build (`kubectl-lego.js`).
 */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  options: { readonly script?: string; readonly timeoutMs?: number } = {},
): Promise<CliRun> {
  const script = options.script ?? CLI;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, ...args],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, timeout: options.timeoutMs ?? 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`Cannot run ${script}: ${stderr}`, { cause: error }));
          return;
        }
        resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}
