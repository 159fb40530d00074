#!/usr/bin/env bash
# The daemonless container tools the image scripts share (sourced by scripts/build-image.sh and
# scripts/test-image.sh): Debian's buildah, mmdebstrap, umoci, skopeo and runc (and jq), one storage for all.
#
# They are installed with apt-get, system-wide: unpacking them with `dpkg-deb -x` (as scripts/install-pebble.sh
# does for Pebble) is impractical, because buildah and skopeo read /etc/containers (policy, registries) from the
# containers-common package and mmdebstrap needs its Perl, apt and dpkg helpers in place. CI runs as root on a
# throwaway Debian machine; the packages (with their recommends, as tested) come from the machine's own suite.
#
# Image storage is project-local and git-ignored (.tools/containers, vfs driver: no overlay or fuse needed).

CONTAINER_TOOLS_DIR="$PWD/.tools/containers"
# The name the Dockerfile's FROM resolves to; CI builds it locally (scripts/lib/ci-base-image.sh).
CI_BASE_IMAGE=docker.io/library/node:24-slim
# The image CI builds and tests; retagged on every build, the previous one is pruned.
KUBE_LEGO_IMAGE=localhost/kube-lego/kube-lego:ci

# buildah with the project's storage.
bh() {
  buildah --root "$CONTAINER_TOOLS_DIR/storage" --runroot "$CONTAINER_TOOLS_DIR/run" --storage-driver vfs "$@"
}

# Installs the Debian packages whose commands are missing (nothing when all are there).
container_tools_install() {
  local missing=() command package
  for command in buildah:buildah mmdebstrap:mmdebstrap umoci:umoci skopeo:skopeo runc:runc jq:jq; do
    package=${command#*:}
    command -v "${command%%:*}" >/dev/null || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "container tools: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
}
