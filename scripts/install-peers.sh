#!/usr/bin/env bash
# Provides the benchmark peers (see docs/benchmarks.md):
#   - lego from Debian sid (4.35) unpacked into .tools/lego-sid/ and from bookworm (4.9) into
#     .tools/lego-bookworm/, with `dpkg-deb -x` like scripts/install-pebble.sh: nothing system-wide;
#   - Caddy from Debian sid (2.11) unpacked the same way into .tools/caddy-sid/ (one static Go binary);
#   - certbot from Debian sid (5.x) unpacked into .tools/certbot-sid/ together with everything it runs on:
#     sid's Python (its compiled modules need CPython >= 3.12, bookworm has 3.11), the Python packages it
#     imports, and sid's C libraries down to libc (sid's OpenSSL 3.6 needs glibc 2.38, bookworm has 2.36).
#     A launcher, .tools/certbot-sid/bin/certbot, runs it through sid's own dynamic loader, so nothing of
#     the tree leaks into the system and nothing of the system's Python is used;
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

# certbot from sid: the packages it imports (Depends of certbot, python3-certbot, python3-acme and theirs,
# without debconf/lsb-release/ca-certificates, which the bench does not need) and the interpreter's runtime.
# Like lego's, the versions are the suite's current ones (sid keeps no older ones); PACKAGES in the tree
# records which were unpacked. The interpreter is named: when sid moves on from it, the download fails
# naming the missing package, and certbot_sid_python changes. amd64 only (the loader's and libraries' path).
certbot_sid_python=python3.14
certbot_sid_packages=(certbot python3-certbot python3-acme python3-josepy python3-cryptography python3-openssl
  python3-requests python3-urllib3 python3-idna python3-certifi python3-charset-normalizer python3-chardet
  python3-configargparse python3-configobj python3-parsedatetime python3-rfc3339 python3-distro
  python3-typing-extensions python3-cffi-backend python3-bcrypt
  python3-minimal "$certbot_sid_python-minimal" "lib$certbot_sid_python-minimal" "lib$certbot_sid_python-stdlib"
  libc6 libgcc-s1 libssl3t64 openssl-provider-legacy zlib1g libzstd1 libexpat1 libbz2-1.0 libffi8 liblzma5
  libuuid1 libreadline8t64 libtinfo6 libncursesw6)
dest=.tools/certbot-sid
if [ -x "$dest/bin/certbot" ] && [ -s "$dest/VERSION" ] &&
  [ "$(cat "$dest/REQUESTED" 2>/dev/null)" = "${certbot_sid_packages[*]}" ]; then
  echo "certbot $(cat "$dest/VERSION") (Debian sid) already in $dest"
elif debian_fetch_set sid "$dest" "${certbot_sid_packages[@]}"; then
  mkdir -p "$dest/bin"
  cat > "$dest/bin/certbot" <<'LAUNCHER'
#!/bin/sh
# certbot from Debian sid on sid's Python and libraries, through sid's dynamic loader (the system's
# loader and libc are older than the tree needs). Written by scripts/install-peers.sh.
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$root/usr/lib/x86_64-linux-gnu
export PYTHONHOME="$root/usr" PYTHONPATH="$root/usr/lib/python3/dist-packages" OPENSSL_MODULES="$lib/ossl-modules"
unset PYTHONSTARTUP PYTHONUSERBASE
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$root/lib/x86_64-linux-gnu" "$root/usr/bin/python3" -s \
  "$root/usr/bin/certbot" "$@"
LAUNCHER
  chmod +x "$dest/bin/certbot"
  # Byte-compiled once, as Debian's postinst (py3compile) does on an installed system, so the first timed
  # run does not pay for it. Not in parallel (-j): the workers would start python3 without sid's loader.
  root=$PWD/$dest
  PYTHONHOME=$root/usr "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path \
    "$root/usr/lib/x86_64-linux-gnu" "$root/usr/bin/python3" -s -m compileall -q \
    "$root/usr/lib/python3/dist-packages" "$root/usr/lib/$certbot_sid_python" >/dev/null || true
  if version=$("$dest/bin/certbot" --version 2>&1); then
    echo "${certbot_sid_packages[*]}" > "$dest/REQUESTED"
  else
    echo "install-peers: certbot from Debian sid does not start: $(echo "$version" | tail -1)" >&2
    status=1
  fi
else
  echo "install-peers: certbot from Debian sid is not available" >&2
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
