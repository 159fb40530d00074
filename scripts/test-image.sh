#!/usr/bin/env bash
# Runs the image scripts/build-image.sh built, without a Docker daemon: umoci unpacks it into an OCI bundle
# and runc runs it (host network, the bundle's own user). Checks, each one failing the script:
# - the OCI labels (version = package.json's, revision, source), the user 1000:1000, no npm/npx/corepack files;
# - `kube-lego --version` prints package.json's version;
# - the root filesystem is read-only (a write into it fails with EROFS) and the controller runs as uid 1000;
# - against the API sandbox (`kube-lego-dev sandbox`): /healthz and then /readyz answer 200;
# - SIGTERM stops it within 5 s with exit status 0;
# - every line on its stdout and stderr is a kube-lego log line (logrus text format).
# Prints the image size: compressed (the gzip layer blobs a registry stores) and unpacked (the rootfs).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/container-tools.sh
source scripts/lib/container-tools.sh
export PATH="$PWD/node_modules/.bin:$PATH"

fail() {
  echo "test-image: FAIL: $*" >&2
  exit 1
}
pass() { echo "test-image: ok: $*"; }

container_tools_install
bh inspect --type image "$KUBE_LEGO_IMAGE" >/dev/null 2>&1 || fail "no image $KUBE_LEGO_IMAGE: run scripts/build-image.sh"
[ -f dist/dev/cli/main.js ] || npm run build --silent
version=$(node -p "require('./package.json').version")

mkdir -p "$CONTAINER_TOOLS_DIR"
work=$(mktemp -d "$CONTAINER_TOOLS_DIR/test.XXXXXX")
runc_root="$work/runc"
sandbox_pid=
# The containers' ids; the controller's runs in a background job, so the list is fixed here.
container_id() { echo "kube-lego-test-$1-$$"; }
cleanup() {
  local name
  for name in version readonly controller; do
    runc --root "$runc_root" delete --force "$(container_id "$name")" >/dev/null 2>&1 || true
  done
  if [ -n "$sandbox_pid" ]; then
    kill -TERM "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The image's metadata -----------------------------------------------------------------------------------
label() {
  bh inspect --type image --format "{{index .OCIv1.Config.Labels \"org.opencontainers.image.$1\"}}" "$KUBE_LEGO_IMAGE"
}
[ "$(label version)" = "$version" ] || fail "label version is '$(label version)', package.json says $version"
[ -n "$(label revision)" ] && [ -n "$(label source)" ] || fail "labels revision and source must be set"
user=$(bh inspect --type image --format '{{.OCIv1.Config.User}}' "$KUBE_LEGO_IMAGE")
[ "$user" = "1000:1000" ] || fail "image user is '$user', expected 1000:1000"
node_options=$(bh inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$KUBE_LEGO_IMAGE" |
  sed -n 's/^NODE_OPTIONS=//p')
expected_node_options="--max-semi-space-size=8 --max-old-space-size-percentage=75"
[ "$node_options" = "$expected_node_options" ] || fail "NODE_OPTIONS is '$node_options', expected $expected_node_options"
pass "labels version=$version revision=$(label revision) source=$(label source); user $user; NODE_OPTIONS=$node_options"

# --- Size and the unpacked bundle ----------------------------------------------------------------------------
bh push --quiet --compression-format gzip "$KUBE_LEGO_IMAGE" "oci:$work/oci:kube-lego" >/dev/null
manifest=$(jq -r '.manifests[0].digest' "$work/oci/index.json")
compressed=$(jq '[.layers[].size] | add' "$work/oci/blobs/sha256/${manifest#sha256:}")
umoci unpack --image "$work/oci:kube-lego" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
unpacked=$(du -sb "$rootfs" | cut -f1)
layers=$(jq '.layers | length' "$work/oci/blobs/sha256/${manifest#sha256:}")
mib() { awk -v bytes="$1" 'BEGIN { printf "%.1f MiB", bytes / 1048576 }'; }
echo "test-image: size: $(mib "$compressed") compressed ($compressed bytes, gzip, $layers layer(s)), $(mib "$unpacked") unpacked ($unpacked bytes)"
leftovers=$(find "$rootfs" \( -name npm -o -name npx -o -name corepack -o -name npm-cli.js -o -name yarn \) -print | sed "s|^$rootfs||")
[ -z "$leftovers" ] || fail "build tools left in the image: $leftovers"
[ -f "$rootfs/usr/local/lib/kube-lego/kube-lego.mjs" ] || fail "the bundle is not in the image"
pass "no npm, npx, corepack or yarn in the image; the bundle is"

# A runc bundle for one run: the unpacked image's config with a read-only root, the host's network, and the
# changes of a jq filter. Usage: make_bundle NAME FILTER [jq options...]; prints the bundle's folder.
make_bundle() {
  local name=$1 filter=$2 dir="$work/$1"
  shift 2
  mkdir -p "$dir"
  jq "$@" --arg rootfs "$rootfs" '.root.path = $rootfs | .root.readonly = true | .process.terminal = false
    | .linux.namespaces |= map(select(.type != "network")) | '"$filter" "$work/bundle/config.json" >"$dir/config.json"
  echo "$dir"
}

# Runs bundle NAME in the foreground with its stdout in NAME.out and its stderr in NAME.err.
run_container() {
  local name=$1
  runc --root "$runc_root" run --bundle "$work/$name" "$(container_id "$name")" >"$work/$name.out" 2>"$work/$name.err"
}

# --- --version -----------------------------------------------------------------------------------------------
make_bundle version '.process.args += ["--version"]' >/dev/null
run_container version || fail "kube-lego --version failed: $(cat "$work/version.err")"
[ "$(cat "$work/version.out")" = "$version" ] || fail "--version printed '$(cat "$work/version.out")', expected $version"
pass "--version prints $version"

# --- Read-only root filesystem -------------------------------------------------------------------------------
probe="try { require('node:fs').writeFileSync('/home/node/probe', 'x'); console.log('written'); }
  catch (error) { console.log(error.code); }"
make_bundle readonly '.process.args = ["node", "-e", $probe]' --arg probe "$probe" >/dev/null
run_container readonly || fail "the write probe failed: $(cat "$work/readonly.err")"
[ "$(cat "$work/readonly.out")" = EROFS ] || fail "a write into the root filesystem gave '$(cat "$work/readonly.out")', not EROFS"
pass "the root filesystem is read-only (EROFS)"

# --- The controller against the API sandbox ------------------------------------------------------------------
node dist/dev/cli/main.js sandbox --kubeconfig "$work/kubeconfig" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 120); do
  grep -q '^sandbox ready' "$work/sandbox.out" && break
  kill -0 "$sandbox_pid" 2>/dev/null || fail "the sandbox stopped: $(tail -5 "$work/sandbox.err")"
  sleep 0.5
done
grep -q '^sandbox ready' "$work/sandbox.out" || fail "the sandbox was not ready within 60 s"
chmod 0644 "$work/kubeconfig"
acme_url=$(kubectl --kubeconfig "$work/kubeconfig" -n kube-lego get configmap kube-lego -o 'jsonpath={.data.lego\.url}')
free_port() { node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }
port=$(free_port)
metrics_port=$(free_port)
# The kubeconfig, and the host's /etc/hosts and /etc/resolv.conf as a container runtime provides them, read-only.
# The controller is not given the CA of Pebble's HTTPS listener: its directory check logs one error line.
make_bundle controller '.process.env += $env | .mounts += [{destination: "/etc/kube-lego/kubeconfig", type: "bind",
    source: $kubeconfig, options: ["bind", "ro"]}] | .mounts += (["/etc/hosts", "/etc/resolv.conf"]
    | map({destination: ., type: "bind", source: ., options: ["bind", "ro"]}))' --arg kubeconfig "$work/kubeconfig" \
  --argjson env "$(jq -n \
  --arg url "$acme_url" --arg port "$port" --arg metrics "$metrics_port" '["KUBECONFIG=/etc/kube-lego/kubeconfig",
    "LEGO_EMAIL=admin@example.test", "LEGO_URL=" + $url, "LEGO_NAMESPACE=kube-lego", "LEGO_POD_IP=127.0.0.1",
    "LEGO_PORT=" + $port, "LEGO_METRICS_PORT=" + $metrics]')" >/dev/null
started=$(date +%s%N)
run_container controller &
controller_pid=$!
probe_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port$1" || true; }
for path in /healthz /readyz; do
  for _ in $(seq 1 60); do
    [ "$(probe_status "$path")" = 200 ] && break
    kill -0 "$controller_pid" 2>/dev/null || fail "the controller stopped: $(cat "$work/controller.err" "$work/controller.out")"
    sleep 0.5
  done
  [ "$(probe_status "$path")" = 200 ] || fail "$path did not answer 200 within 30 s: $(tail -5 "$work/controller.err")"
done
pass "/healthz and /readyz answer 200 (port $port, host network), ready $((($(date +%s%N) - started) / 1000000)) ms after the start"
pid=$(runc --root "$runc_root" state "$(container_id controller)" | jq .pid)
uid=$(awk '/^Uid:/ { print $2 "/" $3 }' "/proc/$pid/status")
[ "$uid" = 1000/1000 ] || fail "the controller runs with uid (real/effective) $uid, not 1000"
pass "the controller runs as uid 1000"

sent=$(date +%s%N)
runc --root "$runc_root" kill "$(container_id controller)" TERM
status=0
wait "$controller_pid" || status=$?
stopped_ms=$((($(date +%s%N) - sent) / 1000000))
[ "$status" = 0 ] || fail "the controller exited with status $status after SIGTERM"
[ "$stopped_ms" -lt 5000 ] || fail "the controller took $stopped_ms ms to stop after SIGTERM"
pass "SIGTERM stopped it in $stopped_ms ms, exit status 0"

# logrus text format: time, level, then msg and fields as key=value, values bare or Go-quoted.
value='("([^"\\]|\\.)*"|[A-Za-z0-9._/@^+-]*)'
line_format="^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9:]{5})\" level=(trace|debug|info|warning|error|fatal|panic)( [A-Za-z0-9_.-]+=$value)*\$"
lines=$(cat "$work/controller.out" "$work/controller.err" | wc -l)
others=$(cat "$work/controller.out" "$work/controller.err" | grep -Ev "$line_format" || true)
[ "$lines" -gt 0 ] || fail "the controller logged nothing"
[ -z "$others" ] || fail "lines on stdout/stderr not in kube-lego's log format:"$'\n'"$others"
pass "all $lines lines on stdout and stderr are kube-lego log lines:"
cat "$work/controller.out" "$work/controller.err" | sed 's/^/  | /'
echo "test-image: all checks passed"
