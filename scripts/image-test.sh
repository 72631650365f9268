#!/usr/bin/env bash
# Builds the vpc-cni image offline with podman and runs it against the embedded VPC (scripts/image-test.ts): the init
# container, then aws-node, in a node namespace, with temporary directories for the DaemonSet's host paths, and a pod
# added through the plugin and conflist aws-node installed. As root; installs podman, runc and debootstrap (Debian).
#
#   scripts/image-test.sh            build what is missing or changed (podman's layer cache), then run
#   IMAGE_TEST_REBUILD=1 ...         also rebuild the bases from scratch
#
# No registry but npm's and Debian's is reachable, so the bases are made here: a Debian bookworm root from
# debootstrap (from the mirror this machine's apt uses) with this machine's Node 20 copied in (localhost/vpc-cni-base),
# plus npm (localhost/vpc-cni-build-base); the CNI plugins come from Debian's containernetworking-plugins.
# Quirks of this machine: crun refuses its hybrid cgroups (runc works); the hard limits are below podman's default
# ulimits; podman never creates its bridge (builds use --network host, containers the node's namespace).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=localhost/vpc-cni-base:bookworm
BUILD_BASE=localhost/vpc-cni-build-base:bookworm
IMAGE=${IMAGE:-localhost/vpc-cni:test}
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=1024:20000 --ulimit nproc=1024:1024)
say() { printf 'image-test: %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { say "run as root (podman, namespaces)" >&2; exit 1; }
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The Debian mirror of this machine's apt sources (deb822 .sources first, then one-line .list files).
mirror() {
  local uri
  uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [ -n "$uri" ] || { say "no bookworm mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }
  printf '%s\n' "$uri"
}

build_bases() {
  local root started
  started=$(date +%s)
  root=$(mktemp -d /tmp/vcni-base-XXXXXX)
  # shellcheck disable=SC2064 # expand now: the trap runs after this function's locals are gone
  trap "rm -rf '$root'" EXIT
  say "debootstrap bookworm (minbase) ..."
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$(mirror)" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/*
  install -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
  # This machine's own certificate authorities (e.g. a TLS-inspecting proxy in front of the npm registry), so that
  # npm ci in the build trusts what npm trusts here; none is fine.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  tar -C "$root" -c . | "${PODMAN[@]}" import -q --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$BASE" >/dev/null
  local npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  tar -C "$root" -c . | "${PODMAN[@]}" import -q --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$BUILD_BASE" >/dev/null
  rm -rf "$root"
  trap - EXIT
  say "bases $BASE and $BUILD_BASE built in $(($(date +%s) - started)) s"
}

if [ -n "${IMAGE_TEST_REBUILD:-}" ] || ! "${PODMAN[@]}" image exists "$BASE" || ! "${PODMAN[@]}" image exists "$BUILD_BASE"; then
  build_bases
else
  say "bases $BASE and $BUILD_BASE present (IMAGE_TEST_REBUILD=1 rebuilds them)"
fi

started=$(date +%s)
"${PODMAN[@]}" build -q --network host "${LIMITS[@]}" \
  --ignorefile deploy/docker/Dockerfile.dockerignore -f deploy/docker/Dockerfile \
  --build-arg "BUILD_BASE=$BUILD_BASE" --build-arg "BASE=$BASE" --build-arg CNI_PLUGINS=debian \
  -t "$IMAGE" . >/dev/null
say "image $IMAGE built in $(($(date +%s) - started)) s, $("${PODMAN[@]}" image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }')"
# Images of older builds (untagged since) and their stale cache layers, so that runs on one machine do not pile up.
"${PODMAN[@]}" image prune -f --filter until=72h >/dev/null

# The runner imports src/ directly: it needs the locked dependencies and the generated catalogues (as npm test does).
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent gen >/dev/null
exec npx tsx scripts/image-test.ts "$IMAGE"
