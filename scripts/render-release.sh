#!/usr/bin/env bash
# Renders deploy/release.yaml, the single-file install (`kubectl apply -f deploy/release.yaml`), from the
# kustomize tree in deploy/ with kubectl's built-in kustomize. test/release/release-manifest.test.ts fails
# when the checked-in file differs from a fresh render: run this after every change under deploy/.
# Usage: scripts/render-release.sh [output file, default deploy/release.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-deploy/release.yaml}"

version="$(node -p "require('./package.json').version")"
{
  echo "# kube-lego ${version}: rendered from deploy/ by scripts/render-release.sh (kubectl kustomize deploy/)."
  echo "# Do not edit; change deploy/ and run the script again. Let's Encrypt staging, e-mail cert@example.com."
  kubectl kustomize deploy/
} >"${out}.tmp"
mv "${out}.tmp" "${out}"
echo "rendered ${out} (kube-lego ${version})"
