import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A memory cgroup for one benchmark child with a pod's memory limit. Node sizes V8's heap from the cgroup
 * limit it runs under (`process.constrainedMemory()`): on a benchmark machine with 24 GiB and no limit the
 * controller gets a 4 GiB heap limit and V8 lets garbage pile up far longer than in a pod of 256 Mi, so the
 * controller's RSS is only the pod's when it runs under the pod's limit. The kernel enforces the limit too:
 * a controller that outgrows it is killed as in a pod, and `oomKills()` tells.
 */
export interface MemoryCgroup {
  readonly limitBytes: number;
  /** The command line that puts the process in this cgroup before it execs `command` (same pid). */
  wrap(command: string, args: readonly string[]): { readonly command: string; readonly args: string[] };
  /** Moves a running process into this cgroup (memory it already holds stays charged where it was). */
  join(pid: number): void;
  /** Processes of this cgroup the kernel killed for memory since it was made. */
  oomKills(): number;
  /** Removes the cgroup once its processes have exited. */
  remove(): void;
}

export type MemoryCgroupResult =
  { readonly ok: true; readonly cgroup: MemoryCgroup } | { readonly ok: false; readonly reason: string };

interface Hierarchy {
  readonly directory: string;
  readonly limitFile: string;
  readonly oomFile: string;
}

/** The writable memory hierarchy of this process: cgroup v1's memory controller, or v2 with memory enabled. */
function ownHierarchy(): Hierarchy | string {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  } catch (error) {
    return `cannot read /proc/self/cgroup: ${String(error)}`;
  }
  for (const line of lines) {
    const [, controllers, path] = line.split(':', 3);
    if (path === undefined) continue;
    if (controllers?.split(',').includes('memory')) {
      return {
        directory: join('/sys/fs/cgroup/memory', path),
        limitFile: 'memory.limit_in_bytes',
        oomFile: 'memory.oom_control',
      };
    }
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  if (unified !== undefined) {
    const directory = join('/sys/fs/cgroup', unified.slice(3));
    try {
      if (readFileSync(join(directory, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) {
        return { directory, limitFile: 'memory.max', oomFile: 'memory.events' };
      }
    } catch {
      // not a cgroup v2 mount either
    }
  }
  return 'no memory cgroup this process may create children in';
}

/** `oom_kill N` of memory.oom_control (v1) or memory.events (v2). */
function readOomKills(file: string): number {
  try {
    const match = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Makes `<own cgroup>/<name>` with `limitBytes`, or says why this machine cannot. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroupResult {
  const hierarchy = ownHierarchy();
  if (typeof hierarchy === 'string') return { ok: false, reason: hierarchy };
  const directory = join(hierarchy.directory, name);
  try {
    mkdirSync(directory);
  } catch (error) {
    return { ok: false, reason: `cannot create the cgroup ${directory}: ${String(error)}` };
  }
  try {
    writeFileSync(join(directory, hierarchy.limitFile), String(limitBytes));
  } catch (error) {
    rmdirSync(directory);
    return { ok: false, reason: `cannot set ${hierarchy.limitFile} of ${directory}: ${String(error)}` };
  }
  return {
    ok: true,
    cgroup: {
      limitBytes,
      wrap: (command, args) => ({
        command: '/bin/sh',
        args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', directory, command, ...args],
      }),
      join: (pid) => {
        writeFileSync(join(directory, 'cgroup.procs'), String(pid));
      },
      oomKills: () => readOomKills(join(directory, hierarchy.oomFile)),
      remove: () => {
        try {
          rmdirSync(directory);
        } catch {
          // still has a process (a child that outlived its stop) or already gone
        }
      },
    },
  };
}

const mebibyte = 1024 * 1024;

/** `resources.limits.memory` of the controller in `deploy/base/deployment.yaml` (a `<N>Mi` or `<N>Gi` value). */
export function deploymentMemoryLimit(deploymentYaml: string): number {
  const match = /limits:\s*\n\s*memory:\s*(\d+)(Mi|Gi)\b/.exec(deploymentYaml);
  if (match?.[1] === undefined) throw new Error('the Deployment sets no memory limit in Mi or Gi');
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1) * mebibyte;
}

/**
 * The memory limit docs/benchmarks.md ("The Deployment's memory") gives a cluster of `ingressCount` Ingresses: the Deployment's own
 * limit up to 10,000, 512 Mi up to 30,000, 1 Gi up to 100,000, and 1 Gi more per 100,000 above.
 */
export function podMemoryLimitFor(ingressCount: number, deploymentLimitBytes: number): number {
  if (ingressCount <= 10_000) return deploymentLimitBytes;
  if (ingressCount <= 30_000) return Math.max(deploymentLimitBytes, 512 * mebibyte);
  return Math.max(deploymentLimitBytes, Math.ceil(ingressCount / 100_000) * 1024 * mebibyte);
}
