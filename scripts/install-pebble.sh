#!/usr/bin/env bash
# Provides pebble and pebble-challtestsrv (Let's Encrypt's ACME test server and its DNS/management peer)
# in .tools/pebble/, unpacked from Debian's package without installing anything system-wide.
# Tries sid (2.10: ARI, profiles), then trixie (2.6: ARI), then bookworm (2.4), and says which it got.
# Idempotent: returns at once when the binaries are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.tools/pebble
if [ -x "$dest/usr/bin/pebble" ] && [ -x "$dest/usr/bin/pebble-challtestsrv" ] && [ -s "$dest/VERSION" ]; then
  echo "pebble $(cat "$dest/VERSION") already in $dest"
  exit 0
fi

# shellcheck source=scripts/lib/debian-fetch.sh
source scripts/lib/debian-fetch.sh
for suite in sid trixie bookworm; do
  if debian_fetch pebble "$suite" "$dest"; then
    [ "$suite" = sid ] || echo "warning: Debian sid's pebble was not available; ARI and profile tests need 2.10" >&2
    exit 0
  fi
done
echo "pebble: could not obtain the Debian package from sid, trixie or bookworm" >&2
exit 1
