#!/usr/bin/env bash
# The one test command: installs everything the tests need, builds, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error
# The npm package `node` (a devDependency) installs Node 24 LTS into node_modules/.bin; put it first so
# everything below, and every child process a test starts with process.execPath, runs on it.
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash scripts/install-pebble.sh
bash scripts/install-dns.sh
# A clean build: compiled files of moved or deleted sources (tests above all) must not linger in dist/ and run.
rm -rf dist
npm run build --silent
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "prettier: files above need 'npm run format'" >&2; exit 1; }

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
node --test --test-reporter=spec --test-timeout=180000 "${files[@]}"
