#!/usr/bin/env bash
# Fetches one Debian binary package from a given suite and unpacks it into a project folder with
# `dpkg-deb -x`, without installing anything system-wide: apt runs against a throwaway sources list,
# package lists and cache in a temporary directory.
# Usage (sourced): debian_fetch <package> <suite> <destination>
# On success the destination holds the unpacked tree plus VERSION, SUITE and PACKAGES files.

# Prints the Debian mirror the machine already uses, or Debian's default.
debian_mirror() {
  local mirror
  mirror=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "${mirror%/}"
}

# Fills the array APT_OPTS with options that point apt at a private sources list, lists and cache in
# <work> for one suite; <status> is the dpkg status apt plans against (an empty file: fetch the package
# alone; /var/lib/dpkg/status: fetch what this machine lacks of its dependencies).
# Usage: apt_private_opts <work> <suite> <status>
apt_private_opts() {
  local work=$1 suite=$2 status=$3
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/etc/preferences.d"
  echo "deb [signed-by=$keyring] $(debian_mirror) $suite main" > "$work/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::Status=$status"
    -o "Dir::Etc::Preferences=-" -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d"
    -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
}

debian_fetch() {
  debian_fetch_set "$2" "$3" "$1"
}

# Fetches several binary packages from one suite with one apt update and unpacks them all into one
# destination (a self-contained tree of a program and the libraries it needs). apt verifies every .deb
# against the SHA256 in the suite's signed Packages index, as for debian_fetch.
# Usage (sourced): debian_fetch_set <suite> <destination> <main package> [<package>...]
# On success the destination holds the merged tree, VERSION (the main package's), SUITE, and PACKAGES (one
# "name version" line per package).
debian_fetch_set() {
  local suite=$1 dest=$2
  shift 2
  local work deb
  work=$(mktemp -d)
  : > "$work/status"
  apt_private_opts "$work" "$suite" "$work/status"
  local opts=("${APT_OPTS[@]}")
  if ! apt-get "${opts[@]}" -qq update >"$work/update.log" 2>&1; then
    echo "$1: apt update for $suite failed: $(tail -1 "$work/update.log")" >&2
    rm -rf "$work"
    return 1
  fi
  if ! (cd "$work" && apt-get "${opts[@]}" -qq download "$@" >"$work/download.log" 2>&1); then
    echo "$1: download from $suite failed: $(grep -v unsandboxed "$work/download.log" | tail -1)" >&2
    rm -rf "$work"
    return 1
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  : > "$dest/PACKAGES"
  for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$dest"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >> "$dest/PACKAGES"
  done
  deb=$(ls "$work"/"${1}"_*.deb | head -1)
  dpkg-deb -f "$deb" Version > "$dest/VERSION"
  echo "$suite" > "$dest/SUITE"
  rm -rf "$work"
  local others=$(($(wc -l < "$dest/PACKAGES") - 1))
  if [ "$others" = 0 ]; then
    echo "$1 $(cat "$dest/VERSION") (Debian $suite) unpacked into $dest"
  else
    echo "$1 $(cat "$dest/VERSION") (Debian $suite) and $others packages it needs unpacked into $dest"
  fi
}
