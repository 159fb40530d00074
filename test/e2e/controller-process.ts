import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, next to this compiled test (dist/test/e2e -> dist/src/cli). */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Where an e2e controller runs: the cluster, the ACME directory and the port Pebble's VA dials for http-01. */
export interface ControllerTarget {
  readonly kubeconfig: string;
  readonly directoryUrl: string;
  /** The CA of the directory's HTTPS listener (Pebble's, or a proxy's in front of it). */
  readonly caFile: string;
  readonly httpPort: number;
}

/**
 * The environment of a controller process on the test rig, `extra` on top. The self-check is off: it
 * resolves hosts with the system resolver, which cannot see challtestsrv's names.
 */
export function controllerEnvironment(
  target: ControllerTarget,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    KUBECONFIG: target.kubeconfig,
    LEGO_EMAIL: 'admin@example.test',
    LEGO_URL: target.directoryUrl,
    LEGO_ACME_CA_FILE: target.caFile,
    LEGO_PORT: String(target.httpPort),
    LEGO_NAMESPACE: 'kube-lego',
    LEGO_POD_IP: '127.0.0.1',
    LEGO_KEY_TYPE: 'ecdsa-p256',
    LEGO_SELF_CHECK: 'false',
    LEGO_SELF_CHECK_DELAY: '0s',
    ...extra,
  };
}

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

/** Starts the real controller process with `env` (nothing of the test's own environment leaks in but PATH). */
export function startControllerProcess(env: Readonly<Record<string, string>>): ControllerProcess {
  const child = spawn(process.execPath, [CLI], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
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
