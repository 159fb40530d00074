import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerAvailability } from './peer.js';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this module's location (dist/bench/... or bench/...). */
export function projectRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'install-peers.sh')))
      return dir;
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('Cannot find the project root (package.json) above the benchmark');
    dir = parent;
  }
}

/**
 * A tool unpacked by scripts/install-peers.sh: its binary (in `binDir` of the tree, the package's usr/bin
 * unless the script wrote a launcher elsewhere) and its Debian package version, if present.
 */
export function unpackedTool(
  folder: string,
  binary: string,
  binDir = 'usr/bin',
): { binary: string; version?: string } {
  const base = join(projectRoot(), '.tools', folder);
  const versionFile = join(base, 'VERSION');
  const path = join(base, binDir, binary);
  if (!existsSync(path) || !existsSync(versionFile)) return { binary: path };
  return { binary: path, version: readFileSync(versionFile, 'utf8').trim() };
}

/** Whether a tool unpacked by scripts/install-peers.sh is there, with its version (a peer's probe). */
export function unpackedToolAvailability(tool: {
  binary: string;
  version?: string;
}): Promise<PeerAvailability> {
  return Promise.resolve(
    tool.version === undefined
      ? { available: false, reason: `${tool.binary} is missing: run scripts/install-peers.sh` }
      : { available: true, version: tool.version },
  );
}
