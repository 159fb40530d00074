#!/usr/bin/env bash
# CI's stand-in for the public node:24-slim (docs/adr/0008-image-build.md), sourced by scripts/build-image.sh
# after scripts/lib/container-tools.sh. CI reaches Debian's archive and npm but no container registry, so it
# builds what the Dockerfile's FROM names from those two:
# - a slim Debian rootfs made by mmdebstrap (variant minbase, docs and man pages left out as in Debian's slim
#   images) from sid, the suite that has Debian's nodejs 24 (its libnode needs sid's libc);
# - npm from the npm registry (the major Node 24 bundles) where the official image has it,
#   /usr/local/lib/node_modules/npm with npm and npx in /usr/local/bin;
# - the user node, uid and gid 1000, home /home/node, as in the official image.
# The image carries the hash of this file as a label: it is rebuilt only when this recipe changes.

CI_BASE_SUITE=sid
CI_BASE_NPM=npm@11

ci_base_recipe() {
  sha256sum "${BASH_SOURCE[0]}" | cut -c1-16
}

# Prints the recipe hash of the stored base image, empty when there is none.
ci_base_stored_recipe() {
  bh inspect --type image --format '{{index .OCIv1.Config.Labels "io.kube-lego.ci-base.recipe"}}' "$CI_BASE_IMAGE" \
    2>/dev/null || true
}

# Builds $CI_BASE_IMAGE unless the stored one was made by this recipe.
ci_base_image() {
  local recipe
  recipe=$(ci_base_recipe)
  if [ "$(ci_base_stored_recipe)" = "$recipe" ]; then
    echo "base: $CI_BASE_IMAGE (recipe $recipe) already built"
    return 0
  fi
  local work mirror npm_tgz container node_version npm_version
  # A work folder a failed run left behind is removed by the next (scripts/build-image.sh).
  work=$(mktemp -d "$CONTAINER_TOOLS_DIR/base.XXXXXX")
  mirror=$(debian_mirror)
  (cd "$work" && npm pack --silent "$CI_BASE_NPM" >/dev/null)
  npm_tgz=$(ls "$work"/npm-*.tgz)
  echo "base: mmdebstrap $CI_BASE_SUITE from $mirror with nodejs, $(basename "$npm_tgz" .tgz) from npm"
  # The archive may be a dated snapshot whose Release files have expired: apt is told not to mind, and that
  # setting is removed from the image again.
  NPM_TGZ=$npm_tgz mmdebstrap --quiet --variant=minbase --include=nodejs \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --aptopt='Acquire::Languages "none"' --aptopt='Acquire::Check-Valid-Until "false"' \
    --customize-hook='chroot "$1" groupadd --gid 1000 node' \
    --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook='mkdir -p "$1/usr/local/lib/node_modules/npm" && tar -xzf "$NPM_TGZ" --no-same-owner -C "$1/usr/local/lib/node_modules/npm" --strip-components=1' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='rm -f "$1/etc/apt/apt.conf.d/99mmdebstrap"' \
    "$CI_BASE_SUITE" "$work/rootfs.tar" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $CI_BASE_SUITE main"
  container=$(bh from scratch)
  bh add --quiet "$container" "$work/rootfs.tar" / >/dev/null
  node_version=$(bh run --isolation chroot "$container" -- node --version)
  npm_version=$(bh run --isolation chroot "$container" -- npm --version)
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node \
    --label "io.kube-lego.ci-base.recipe=$recipe" \
    --label "io.kube-lego.ci-base.contents=Debian $CI_BASE_SUITE minbase, nodejs $node_version, npm $npm_version" \
    "$container"
  bh commit --quiet --rm "$container" "$CI_BASE_IMAGE" >/dev/null
  rm -rf "$work"
  echo "base: $CI_BASE_IMAGE built: Debian $CI_BASE_SUITE, node $node_version, npm $npm_version (recipe $recipe)"
}
