import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix, sep } from 'node:path';
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

// The layers around the core. Each rule lists the top-level folders of src/ a layer may import from
// (its own folder always, node built-ins and packages are not folders and are not checked here).
const srcDir = new URL('../../../src/', import.meta.url);

function sourcesUnder(folder: string): string[] {
  const dir = new URL(`${folder}/`, srcDir);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${folder}/${name.split(sep).join('/')}`);
}

/** The top-level folder (or file) of src/ each relative import of `file` (a path under src/) lands in. */
function importedFolders(file: string): string[] {
  const source = readFileSync(new URL(file, srcDir), 'utf8');
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1] ?? '');
  return specs
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => posix.normalize(posix.join(posix.dirname(file), spec)).split('/')[0] ?? '');
}

const layers: { folder: string; mayImport: readonly string[] }[] = [
  // Decisions, observation and errors: plain data in, plain data out.
  { folder: 'domain', mayImport: [] },
  // The interfaces the core owns: types over domain data only.
  { folder: 'ports', mayImport: ['domain'] },
  // Work queue, informer supervision, worker loop: no adapter, no reconcile logic.
  { folder: 'runtime', mayImport: ['domain', 'ports'] },
  // The reconcile loop sees the world only through ports.
  { folder: 'reconcile', mayImport: ['domain', 'ports', 'runtime'] },
  // The DNS protocol (wire format, TSIG, UPDATE, transport): like src/acme/, below every adapter that uses it.
  { folder: 'dns', mayImport: ['domain'] },
];

/** Who in src/ may import the composition root: the CLI runs it (and dev/, outside src/, starts it in process). */
const APP_IMPORTERS = new Set(['app', 'cli']);

describe('layering', () => {
  for (const { folder, mayImport } of layers) {
    const files = sourcesUnder(folder);
    it(`layering: ${folder}/ has sources`, () => {
      assert.ok(files.length > 0, `expected sources in src/${folder}`);
    });
    for (const file of files) {
      it(`layering: ${file} imports only ${[folder, ...mayImport].join(', ')}`, () => {
        const outside = importedFolders(file).filter((f) => f !== folder && !mayImport.includes(f));
        assert.deepEqual(outside, []);
      });
    }
  }

  it('layering: nothing outside app/ and the CLI imports the composition root', () => {
    const folders = readdirSync(srcDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    assert.ok(folders.includes('app'), 'expected src/app');
    const offenders = folders
      .filter((folder) => !APP_IMPORTERS.has(folder))
      .flatMap(sourcesUnder)
      .filter((file) => importedFolders(file).includes('app'));
    assert.deepEqual(offenders, []);
  });

  it('layering: only src/adapters/metrics/ imports prom-client (the core reports through ports/metrics.ts)', () => {
    const folders = readdirSync(srcDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const importers = folders
      .flatMap(sourcesUnder)
      .filter((file) => /from\s+'prom-client'/.test(readFileSync(new URL(file, srcDir), 'utf8')));
    assert.deepEqual(importers, ['adapters/metrics/prometheus-metrics.ts']);
  });

  it('layering: nothing in src/ imports from outside src/ (dev/ is never shipped)', () => {
    const folders = readdirSync(srcDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const offenders = folders.flatMap(sourcesUnder).filter((file) => importedFolders(file).includes('..'));
    assert.deepEqual(offenders, []);
  });
});
