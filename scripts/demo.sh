#!/usr/bin/env bash
# The demo on a fresh clone: installs the npm packages and Pebble, builds, then runs the development CLI's `demo`
# (a local Kubernetes API sandbox, Pebble as the ACME CA, and kube-lego issuing a certificate for an
# example Ingress). Ends with the certificate table and exit code 0.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund --loglevel=error
# The npm package `node` (a devDependency) installs Node 24 LTS into node_modules/.bin; put it first so
# everything below, and every child process a test starts with process.execPath, runs on it.
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash scripts/install-pebble.sh
npm run build --silent
node dist/dev/cli/main.js demo
