import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { CONFIG_VARIABLES } from '../../src/config/variables.js';

function readConfigurationDoc(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'configuration.md'))) {
    const parent = dirname(dir);
    if (parent === dir) assert.fail('docs/configuration.md not found above the test');
    dir = parent;
  }
  return readFileSync(join(dir, 'docs', 'configuration.md'), 'utf8');
}

interface DocumentedVariable {
  readonly name: string;
  /** The backticked literal of the Default column; undefined when the column explains instead (unset, required). */
  readonly defaultValue: string | undefined;
}

/** The rows of the table under "## Variables": | `NAME` | `default` or prose | meaning |. */
function documentedVariables(markdown: string): DocumentedVariable[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Variables\n'));
  assert.ok(section !== undefined, 'docs/configuration.md has no "## Variables" section');
  const rows: DocumentedVariable[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined) continue;
    const literal = /^`([^`]*)`$/.exec(cells[2] ?? '')?.[1];
    rows.push({ name, defaultValue: literal });
  }
  return rows;
}

describe('docs/configuration.md', () => {
  const documented = documentedVariables(readConfigurationDoc());

  it('lists exactly the variables of the configuration catalogue, in the same order, with the same defaults', () => {
    assert.deepEqual(
      documented,
      CONFIG_VARIABLES.map((variable) => ({ name: variable.name, defaultValue: variable.defaultValue })),
    );
  });

  it('lists exactly the variables loadConfig() reads', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      { LEGO_EMAIL: 'certs@example.com' },
      {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
        has(target, key) {
          if (typeof key === 'string') read.add(key);
          return Reflect.has(target, key);
        },
        ownKeys() {
          assert.fail('loadConfig() enumerated the environment instead of reading documented variables');
        },
      },
    );
    loadConfig(env);
    assert.deepEqual([...read].sort(), documented.map((variable) => variable.name).sort());
  });

  const withDefaults = documented.filter((variable) => variable.defaultValue !== undefined);
  for (const { name, defaultValue } of withDefaults) {
    it(`documents the default loadConfig() applies for ${name}`, () => {
      const base = { LEGO_EMAIL: 'certs@example.com', LEGO_SUPPORTED_INGRESS_PROVIDER: 'nginx' };
      const implicit = loadConfig(
        name === 'LEGO_SUPPORTED_INGRESS_PROVIDER' ? { LEGO_EMAIL: base.LEGO_EMAIL } : base,
      );
      const explicit = loadConfig({ ...base, [name]: defaultValue });
      assert.ok(explicit.ok && implicit.ok);
      // LEGO_KUBE_API_URL records whether it was set; everything else must be identical.
      const comparable = (config: typeof explicit.config): unknown => ({
        ...config,
        kube: { ...config.kube, apiUrlExplicit: false },
      });
      assert.deepEqual(comparable(explicit.config), comparable(implicit.config));
    });
  }
});
