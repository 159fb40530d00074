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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/etc/preferences.d" "$work/etc/apt.conf.d"
: > "$work/status"
# Use the machine's own mirror when it names one; Debian's default otherwise.
mirror=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

for suite in sid trixie bookworm; do
  echo "deb [signed-by=$keyring] $mirror $suite main" > "$work/sources.list"
  opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache" -o "Dir::State::Status=$work/status" -o "Dir::Etc::Preferences=-"
    -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d" -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
  if ! apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1; then
    echo "pebble: apt update for $suite failed: $(tail -1 "$work/update.log")" >&2
    continue
  fi
  if (cd "$work" && apt-get "${opts[@]}" -qq download pebble >"$work/download.log" 2>&1); then
    deb=$(ls "$work"/pebble_*.deb | head -1)
    rm -rf "$dest" && mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
    version=$(dpkg-deb -f "$deb" Version)
    echo "$version" > "$dest/VERSION"
    echo "$suite" > "$dest/SUITE"
    echo "pebble $version (Debian $suite) unpacked into $dest"
    [ "$suite" = sid ] || echo "warning: Debian sid's pebble was not available; ARI and profile tests need 2.10" >&2
    exit 0
  fi
  echo "pebble: download from $suite failed: $(tail -1 "$work/download.log")" >&2
done
echo "pebble: could not obtain the Debian package from sid, trixie or bookworm" >&2
exit 1
