/** Runs the real kubectl against a sandbox kubeconfig. */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl --kubeconfig <kubeconfig> ...args`, feeding `input` on stdin; never throws on a non-zero exit. */
export function kubectl(kubeconfig: string, args: readonly string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`kubectl ${args.join(' ')} did not run`, { cause: error }));
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A long-running kubectl (`get -w`) whose output can be awaited line by line. */
export interface RunningKubectl {
  /** Resolves with stdout so far once it matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): void;
}

/** Starts kubectl in the background; the caller must `stop()` it (also on failure). */
export function startKubectl(kubeconfig: string, args: readonly string[]): RunningKubectl {
  const child: ChildProcessWithoutNullStreams = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args]);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    for (const l of listeners) l();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  return {
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(stdout);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `kubectl ${args.join(' ')} printed no ${String(pattern)} in ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    stop: () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    },
  };
}
