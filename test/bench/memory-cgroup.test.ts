import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMemoryCgroup, deploymentMemoryLimit, podMemoryLimitFor } from '../../bench/memory-cgroup.js';
import { projectRoot } from '../../bench/tool-paths.js';

const mebibyte = 1024 * 1024;

test("the pod's memory limit is read from the Deployment's resources.limits", () => {
  const deployment = readFileSync(join(projectRoot(), 'deploy', 'base', 'deployment.yaml'), 'utf8');
  const limit = deploymentMemoryLimit(deployment);
  assert.equal(limit % mebibyte, 0);
  assert.ok(limit >= 128 * mebibyte, `limit ${limit}`);
  assert.equal(deploymentMemoryLimit('limits:\n  memory: 2Gi\n'), 2048 * mebibyte);
  assert.throws(() => deploymentMemoryLimit('requests:\n  memory: 160Mi\n'), /no memory limit/);
});

test('larger clusters get the larger limits docs/benchmarks.md sizes them with', () => {
  const deployment = 256 * mebibyte;
  assert.equal(podMemoryLimitFor(1_000, deployment), deployment);
  assert.equal(podMemoryLimitFor(10_000, deployment), deployment);
  assert.equal(podMemoryLimitFor(30_000, deployment), 512 * mebibyte);
  assert.equal(podMemoryLimitFor(100_000, deployment), 1024 * mebibyte);
  assert.equal(podMemoryLimitFor(150_000, deployment), 2048 * mebibyte);
  assert.equal(podMemoryLimitFor(30_000, 768 * mebibyte), 768 * mebibyte);
});

test('a process started through the cgroup sees its limit as Node sizes its heap from it', (t) => {
  const made = createMemoryCgroup(`kube-lego-test-${process.pid}`, 300 * mebibyte);
  if (!made.ok) {
    // A machine without a writable memory cgroup: the benchmark then runs unconstrained and says so.
    t.skip(made.reason);
    return;
  }
  try {
    const { command, args } = made.cgroup.wrap(process.execPath, [
      '-e',
      'console.log(process.constrainedMemory(), require("node:v8").getHeapStatistics().heap_size_limit)',
    ]);
    const [constrained, heapLimit] = execFileSync(command, args, { encoding: 'utf8' })
      .trim()
      .split(' ')
      .map(Number);
    assert.equal(constrained, 300 * mebibyte);
    // Node's default heap limit without a cgroup here is several GiB; under 300 Mi it is a few hundred MiB.
    assert.ok(heapLimit !== undefined && heapLimit < 1024 * mebibyte, `heap limit ${heapLimit}`);
    assert.equal(made.cgroup.oomKills(), 0);
  } finally {
    made.cgroup.remove();
  }
});
