import { spawn } from 'node:child_process';

export interface TimedCommandOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** The complete environment of the child (nothing is inherited but PATH). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly timeoutMs: number;
}

export interface TimedCommandResult {
  /** From spawn to exit: includes process start, as a user experiences it. */
  readonly elapsedMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** The last few KiB of stdout and stderr, for failure reports. */
  readonly outputTail: string;
}

const tailBytes = 4096;
const live = new Set<number>();
let exitHookInstalled = false;

// A benchmark interrupted mid-run must not leave a CLI holding the challenge port.
function killLiveSync(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Registers a child started elsewhere so it is killed (by PID) if the benchmark ends early; returns the untrack function. */
export function trackChild(pid: number): () => void {
  installHooks();
  live.add(pid);
  return () => {
    live.delete(pid);
  };
}

function installHooks(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killLiveSync);
    // A signal's default action ends the process without 'exit': clean up, then die of the same signal.
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killLiveSync();
        process.kill(process.pid, signal);
      });
    }
  }
}

/** Runs a command to completion, timing it from spawn to exit and killing it (by PID) on timeout. */
export function runTimedCommand(options: TimedCommandOptions): Promise<TimedCommandResult> {
  installHooks();
  return new Promise((resolve) => {
    let output = '';
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-tailBytes);
    };
    const started = performance.now();
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
    }, options.timeoutMs);
    // Time stops at process exit; the result waits for 'close' so the output tail is complete.
    let exitedAt: number | undefined;
    child.once('exit', () => {
      exitedAt = performance.now();
    });
    let settled = false;
    const finish = (exitCode: number | null, signal: string | null): void => {
      if (settled) return;
      settled = true;
      const elapsedMs = (exitedAt ?? performance.now()) - started;
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      resolve({ elapsedMs, exitCode, signal, timedOut, outputTail: output });
    };
    child.once('error', (error) => {
      append(Buffer.from(`\n[${options.command}: ${error.message}]\n`));
      finish(null, null);
    });
    child.once('close', (code, signal) => {
      finish(code, signal);
    });
  });
}

const telling = /error|fail|invalid|unable|refused|timeout|timed out|urn:ietf|problem/i;

/** The few output lines that say why a CLI failed (its last error-looking lines, else its last lines). */
export function failureSummary(outputTail: string): string {
  const lines = outputTail
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) => telling.test(line) && !line.startsWith('Ask for help'));
  return (errors.length > 0 ? errors : lines).slice(-3).join(' / ');
}
