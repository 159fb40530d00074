#!/usr/bin/env bash
# Builds the container image from the Dockerfile without a Docker daemon: buildah (vfs storage, chroot
# isolation) on a locally built stand-in for node:24-slim (scripts/lib/ci-base-image.sh,
# docs/adr/0008-image-build.md). The result is tagged localhost/kube-lego/kube-lego:ci in .tools/containers.
# Idempotent: the tools are installed and the base is built only when missing; each run replaces the previous
# kube-lego image and leaves no containers or dangling images behind. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian-fetch.sh
source scripts/lib/debian-fetch.sh
# shellcheck source=scripts/lib/container-tools.sh
source scripts/lib/container-tools.sh
# shellcheck source=scripts/lib/ci-base-image.sh
source scripts/lib/ci-base-image.sh

seconds() { date +%s; }
started=$(seconds)
container_tools_install
mkdir -p "$CONTAINER_TOOLS_DIR"
# What an interrupted run may have left: work folders, working containers.
rm -rf "$CONTAINER_TOOLS_DIR"/base.* "$CONTAINER_TOOLS_DIR"/test.*
bh rm --all >/dev/null

ci_base_image
base_done=$(seconds)

version=$(node -p "require('./package.json').version")
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
build_args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision")
# The clone's origin, when it is a public https URL, overrides the Dockerfile's default SOURCE.
origin=$(git remote get-url origin 2>/dev/null || true)
if [[ $origin == https://* ]]; then build_args+=(--build-arg "SOURCE=${origin%.git}"); fi
# npm in the build stage trusts the same extra CA as this machine's Node, if it has one (a TLS-inspecting
# proxy); the Dockerfile's optional secret keeps it out of every layer.
secrets=()
if [ -s "${NODE_EXTRA_CA_CERTS:-}" ]; then secrets=(--secret "id=ca-certificates,src=$NODE_EXTRA_CA_CERTS"); fi
echo "image: buildah bud of Dockerfile (kube-lego $version, revision $revision)"
bh bud --quiet --isolation chroot --pull=never --force-rm --layers=false "${build_args[@]}" "${secrets[@]}" \
  --tag "$KUBE_LEGO_IMAGE" --file Dockerfile . >/dev/null
# The previous build's image lost its tag: remove it.
bh rmi --prune >/dev/null
finished=$(seconds)
echo "image: $KUBE_LEGO_IMAGE built; base $((base_done - started)) s, image $((finished - base_done)) s"
bh images
df -h "$CONTAINER_TOOLS_DIR" | tail -1 | awk '{print "disk: " $4 " free on " $6 ", image storage " "'"$(du -sh "$CONTAINER_TOOLS_DIR" | cut -f1)"'"}'
