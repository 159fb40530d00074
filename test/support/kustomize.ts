import { execFile } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The repository's root directory (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `kubectl kustomize` of a directory: relative paths are the repository's. */
export async function kustomize(path: string): Promise<string> {
  const dir = isAbsolute(path) ? path : join(REPO_ROOT, path);
  return (await exec('kubectl', ['kustomize', dir], { timeout: 30_000 })).stdout;
}
