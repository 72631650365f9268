#!/usr/bin/env bash
# Set-up used by the README's two commands and by CI: installs missing system packages (Debian/Ubuntu, as root),
# installs the locked npm dependencies, builds, then runs what was asked:
#   scripts/setup.sh install     -> only the installs
#   scripts/setup.sh test        -> npm test
#   scripts/setup.sh build       -> npm run build (then use ./bin/vpc-cni)
#   scripts/setup.sh demo [ARGS] -> npm run build, then ./bin/vpc-cni demo ARGS (as root; e.g. --exit, --pods 5)
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
command -v nsenter >/dev/null 2>&1 || need_pkgs+=(util-linux)
# llc compiles the tc BPF stand-in for VLAN links on kernels without 802.1Q (src/netlink/vlan-link.ts).
command -v llc >/dev/null 2>&1 || need_pkgs+=(llvm)
[ -x /usr/lib/cni/ptp ] || need_pkgs+=(containernetworking-plugins)
[ -x /usr/bin/aws ] || need_pkgs+=(awscli)
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
[ -x /usr/bin/ping ] || [ -x /bin/ping ] || need_pkgs+=(iputils-ping)
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs npm)

if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "setup: missing ${need_pkgs[*]}; install them (as root: apt-get install ${need_pkgs[*]})" >&2
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found $(node --version))" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

what=${1:-test}
shift || true
case "$what" in
  install) ;;
  test) npm test ;;
  build) npm run build ;;
  demo) npm run build >&2 && exec ./bin/vpc-cni demo "$@" ;;
  *) echo "usage: scripts/setup.sh install|test|build|demo [demo options]" >&2; exit 2 ;;
esac
