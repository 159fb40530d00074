#!/usr/bin/env bash
# Provides Knot DNS (knotd, knotc, and kdig + knsupdate from knot-dnsutils), the authoritative DNS server the
# DNS-01 tests update with RFC 2136 and TSIG, in .tools/knot/, unpacked from Debian's packages without
# installing anything system-wide. Run the binaries with LD_LIBRARY_PATH=.tools/knot/usr/lib/<triplet>.
#
# Which Debian: the machine's own release (bookworm here: Knot 3.2.6), not sid. The packages' binaries link
# against the machine's C library and GnuTLS; sid's Knot (3.4+) needs a newer glibc than bookworm ships, and a
# second glibc cannot be loaded beside the first with LD_LIBRARY_PATH. Everything the tests need (dynamic
# updates, TSIG with hmac-sha256/512, update ACLs) has been in Knot since 2.x.
#
# Only the dependency closure the machine lacks is downloaded: apt resolves knot and knot-dnsutils against the
# machine's dpkg status, with a private sources list, lists and cache, in download-only mode.
# Idempotent: returns at once when the binaries are there and start.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian-fetch.sh
source scripts/lib/debian-fetch.sh
dest=.tools/knot
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
libdir="$PWD/$dest/usr/lib/$triplet"

runs() {
  LD_LIBRARY_PATH="$libdir" "$dest/usr/sbin/knotd" --version >/dev/null 2>&1 &&
    LD_LIBRARY_PATH="$libdir" "$dest/usr/sbin/knotc" --version >/dev/null 2>&1 &&
    LD_LIBRARY_PATH="$libdir" "$dest/usr/bin/knsupdate" --version >/dev/null 2>&1 &&
    LD_LIBRARY_PATH="$libdir" "$dest/usr/bin/kdig" --version >/dev/null 2>&1
}

if [ -s "$dest/VERSION" ] && runs; then
  echo "knot $(cat "$dest/VERSION") already in $dest"
  exit 0
fi

suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
suite=${suite:-bookworm}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt_private_opts "$work" "$suite" /var/lib/dpkg/status
opts=("${APT_OPTS[@]}")
if ! apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1; then
  echo "knot: apt update for Debian $suite failed: $(tail -1 "$work/update.log")" >&2
  exit 1
fi
if ! apt-get "${opts[@]}" -qq -y --download-only --no-install-recommends install knot knot-dnsutils \
  >"$work/download.log" 2>&1; then
  echo "knot: download of knot and knot-dnsutils from Debian $suite failed: $(tail -3 "$work/download.log")" >&2
  exit 1
fi

rm -rf "$dest" && mkdir -p "$dest"
packages=()
for deb in "$work"/cache/archives/*.deb; do
  dpkg-deb -x "$deb" "$dest"
  packages+=("$(dpkg-deb -f "$deb" Package)")
done
knot_deb=$(ls "$work"/cache/archives/knot_*.deb | head -1)
if ! runs; then
  echo "knot: the unpacked binaries do not start; missing libraries:" >&2
  LD_LIBRARY_PATH="$libdir" ldd "$dest/usr/sbin/knotd" "$dest/usr/bin/knsupdate" | grep 'not found' >&2 || true
  exit 1
fi
dpkg-deb -f "$knot_deb" Version > "$dest/VERSION"
echo "$suite" > "$dest/SUITE"
echo "knot $(cat "$dest/VERSION") (Debian $suite) unpacked into $dest with ${packages[*]}"
