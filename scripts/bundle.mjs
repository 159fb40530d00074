// Bundles the CLI into one ESM file with no dev dependencies: dist/bundle/kube-lego.mjs.
// The container image ships only this file (see Dockerfile); a test runs it.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = process.argv[2] ?? 'dist/bundle/kube-lego.mjs';

await build({
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
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`bundled kube-lego ${version} into ${outfile}`);
