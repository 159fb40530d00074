import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** How a project script ended: its exit code (null when it could not start) and the tail of its output. */
export interface ScriptOutcome {
  readonly code: number | null;
  readonly text: string;
}

/** Runs `bash scripts/<name>` in the project root `root`, keeping the last 4 KiB of its output. */
export function runProjectScript(root: string, name: string): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(root, 'scripts', name)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const append = (chunk: Buffer): void => {
      text = (text + chunk.toString('utf8')).slice(-4096);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.once('error', (error) => {
      resolve({ code: null, text: error.message });
    });
    child.once('close', (code) => {
      resolve({ code, text });
    });
  });
}
