// Bundles the CLI into one ESM file with no dev dependencies: dist/bundle/kube-lego.mjs.
// The container image ships only this file (see Dockerfile); a test runs it. Beside it, meta.json is esbuild's
// metafile (every input module and its size): the test reads it to check that no development code (dev/) is in.
import { build } from 'esbuild';
import { readFileSync, chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = process.argv[2] ?? 'dist/bundle/kube-lego.mjs';
const metafilePath = join(dirname(outfile), 'meta.json');

const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node that package.json's engines allow (the image runs 24).
  target: 'node22',
  minify: false,
  sourcemap: false,
  legalComments: 'eof',
  define: { KUBE_LEGO_BUILD_VERSION: JSON.stringify(version) },
  // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __kubeLegoCreateRequire } from 'node:module';\nconst require = __kubeLegoCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
writeFileSync(metafilePath, JSON.stringify(result.metafile));
console.log(`bundled kube-lego ${version} into ${outfile}`);
