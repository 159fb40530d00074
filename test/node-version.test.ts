import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** The project root, two levels above this compiled test (dist/test). */
const root = new URL('../../', import.meta.url);

function major(version: string): number {
  return Number(/^v?(\d+)\./.exec(version)?.[1]);
}

describe('the Node.js runtime', () => {
  it('the tests run on Node 24 LTS, the runtime the image ships', () => {
    assert.equal(
      major(process.version),
      24,
      `the tests run on Node ${process.version}; run them with "bash scripts/test.sh" or "npm test", which put node_modules/.bin (Node 24 from the "node" devDependency) first on PATH`,
    );
  });

  it('the image, the node devDependency and the tests agree on the major version', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((match) => Number(match[1]));
    assert.ok(bases.length > 0, 'the Dockerfile builds FROM node:<major>');
    const manifest: unknown = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    const devDependencies =
      typeof manifest === 'object' && manifest !== null && 'devDependencies' in manifest
        ? (manifest.devDependencies as Record<string, string>)
        : {};
    const pinned = devDependencies['node'] ?? '';
    assert.deepEqual(
      { image: [...new Set(bases)], devDependency: major(pinned.replace(/^[\^~]/, '')) },
      { image: [major(process.version)], devDependency: major(process.version) },
    );
  });
});
