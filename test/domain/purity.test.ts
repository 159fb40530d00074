import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

// The core's promise: no I/O, no clock, no randomness. These checks read the sources, so a stray
// Date.now() or an import of an adapter fails the build's tests rather than a review.
const sourceDir = new URL('../../../src/domain/', import.meta.url);
const files = readdirSync(sourceDir).filter((name) => name.endsWith('.ts'));

const forbidden: [string, RegExp][] = [
  ['reads the clock', /\bDate\.now\(|new Date\(\)|performance\.now\(/],
  ['draws random numbers', /\bMath\.random\(|\brandomInt\(|\brandomUUID\(|getRandomValues\(/],
  ['reads the environment or the process', /\bprocess\./],
  ['sets timers', /\bsetTimeout\(|\bsetInterval\(|\bsetImmediate\(/],
  ['logs', /\bconsole\./],
];

describe('domain purity', () => {
  it('domain purity: the sources are found', () => {
    assert.ok(files.length >= 10, `expected the domain sources next to the build, found ${files.length}`);
  });

  for (const file of files) {
    const source = readFileSync(new URL(file, sourceDir), 'utf8');
    // Comments may show how callers use a function (`Math.random()` in an example); only code counts.
    const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    it(`domain purity: ${file} imports only other domain modules`, () => {
      const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1] ?? '');
      const outside = imports.filter((spec) => !/^\.\/[a-z0-9-]+\.js$/.test(spec));
      assert.deepEqual(outside, []);
    });
    for (const [what, pattern] of forbidden) {
      it(`domain purity: ${file} never ${what}`, () => {
        assert.doesNotMatch(text, pattern);
      });
    }
  }
});
