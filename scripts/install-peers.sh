#!/usr/bin/env bash
# Provides the benchmark peers (see docs/benchmarks.md):
#   - lego from Debian sid (4.35) unpacked into .tools/lego-sid/ and from bookworm (4.9) into
#     .tools/lego-bookworm/, with `dpkg-deb -x` like scripts/install-pebble.sh: nothing system-wide;
#   - Caddy from Debian sid (2.11) unpacked the same way into .tools/caddy-sid/ (one static Go binary);
#   - certbot from Debian bookworm (2.1). certbot is a Python program with many Python dependencies, so
#     this script INSTALLS IT SYSTEM-WIDE with `apt-get install -y --no-install-recommends certbot`
#     (needs root) when /usr/bin/certbot is absent. That is the only system-wide change it makes.
#   - acme-client 5.4.0 comes from npm (a devDependency), not from here.
# Idempotent: returns quickly when everything is present, and prints the versions it has.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian-fetch.sh
source scripts/lib/debian-fetch.sh

status=0
for suite in sid bookworm; do
  dest=.tools/lego-$suite
  if [ -x "$dest/usr/bin/lego" ] && [ -s "$dest/VERSION" ]; then
    echo "lego $(cat "$dest/VERSION") (Debian $suite) already in $dest"
  elif ! debian_fetch lego "$suite" "$dest"; then
    echo "install-peers: lego from Debian $suite is not available" >&2
    status=1
  fi
done

dest=.tools/caddy-sid
if [ -x "$dest/usr/bin/caddy" ] && [ -s "$dest/VERSION" ]; then
  echo "caddy $(cat "$dest/VERSION") (Debian sid) already in $dest"
elif ! debian_fetch caddy sid "$dest"; then
  echo "install-peers: caddy from Debian sid is not available" >&2
  status=1
fi

if [ -x /usr/bin/certbot ]; then
  echo "certbot $(dpkg-query -W -f='${Version}' certbot 2>/dev/null || echo unknown) already installed"
elif [ "$(id -u)" = 0 ]; then
  log=$(mktemp)
  echo "certbot: installing Debian's package system-wide (apt-get install --no-install-recommends certbot)"
  if ! { apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends certbot; } \
    >"$log" 2>&1; then
    echo "install-peers: apt-get install certbot failed: $(tail -3 "$log")" >&2
    status=1
  else
    echo "certbot $(dpkg-query -W -f='${Version}' certbot) installed"
  fi
else
  echo "install-peers: certbot is missing and installing it needs root: run 'sudo apt-get install --no-install-recommends certbot'" >&2
  status=1
fi
exit $status
