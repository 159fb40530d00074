import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

const outputLimitBytes = 256 * 1024;
const stopGraceMs = 3_000;

/** A child process whose output is kept for failure messages and which is killed when this process ends. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** The last 256 KiB of stdout and stderr, interleaved. */
  output(): string;
  /** Undefined while running; the exit code or signal once it has exited. */
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface ManagedProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Called with each complete line of stdout and stderr as it arrives. */
  readonly onLine?: (line: string) => void;
}

const live = new Map<number, ChildProcess>();

function killAllSync(): void {
  for (const [pid] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

let hooksInstalled = false;

// 'exit' covers normal ends and uncaught exceptions; the signal handlers cover a test runner that stops this
// file with SIGTERM/SIGINT (the default action would skip 'exit'). After cleaning up, the signal is re-raised
// with the default action so the process still dies the way its sender wanted.
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * A watchdog shell that SIGKILLs the given PIDs when its stdin closes, which happens when this process dies in a
 * way no JavaScript hook sees (SIGKILL). It is unref'd so it never keeps the event loop alive.
 */
function startWatchdog(pid: number): ChildProcess {
  const watchdog = spawn('/bin/sh', ['-c', `read _unused; kill -9 ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  // The pipe's handle is a net.Socket at runtime although typed as Writable.
  const stdin: unknown = watchdog.stdin;
  if (stdin instanceof Socket) stdin.unref();
  return watchdog;
}

/** Starts a process whose lifetime is bound to this test process. */
export function startManagedProcess(options: ManagedProcessOptions): ManagedProcess {
  installHooks();
  const child = spawn(options.command, [...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`Cannot start ${options.name} (${options.command}): spawn returned no PID`);
  }
  live.set(pid, child);
  const watchdog = startWatchdog(pid);

  let buffered = '';
  const append = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    if (buffered.length > outputLimitBytes) buffered = buffered.slice(buffered.length - outputLimitBytes);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const onLine = options.onLine;
  if (onLine !== undefined) {
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = `${partial}${chunk.toString('utf8')}`.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
  }

  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal === null ? `exit code ${code ?? 'unknown'}` : `signal ${signal}`;
      live.delete(pid);
      // The watchdog's job ends with the child: end it by PID so it can never hit a reused PID.
      if (watchdog.pid !== undefined && watchdog.exitCode === null) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      resolve();
    });
  });
  child.once('error', (error) => {
    append(Buffer.from(`\n[${options.name}: ${error.message}]\n`));
  });

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid,
    output: () => buffered,
    exitStatus: () => status,
    stop: () => {
      stopping ??= (async () => {
        if (status !== undefined) return;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // exited between the check and the signal
        }
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, stopGraceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
