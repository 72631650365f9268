#!/bin/sh
# Entrypoint of the vpc-cni image (deploy/docker/Dockerfile), the counterpart of the reference's aws-vpc-cni-init and
# aws-vpc-cni entrypoints [behaviour §1.1; behaviour §1.2]:
#
#   init   (init container, privileged) copy the upstream CNI plugins into HOST_CNI_BIN_PATH; set rp_filter=2 on the
#          primary interface, tcp_early_demux, and the IPv6 sysctls when ENABLE_IPv6=true.
#   run    (aws-node container, default) start `vpc-cni ipamd`; once it answers, install aws-cni and 10-aws.conflist
#          with the installer (src/cni/install.ts: atomic, binaries first, conflist last) so the node turns Ready
#          only when ipamd can serve pods; then wait for ipamd and exit with its status.
#   probe  (liveness/readiness) exit 0 when ipamd's introspection endpoint answers.
#
# egress-cni (IPv6 egress for IPv4 pods) is not re-implemented: with it off (the default, ENABLE_V6_EGRESS=false) it
# only passes the result through, so the installed conflist leaves it out; with it on, `run` refuses to start.
set -eu

APP=${APP:-/app}
HOST_CNI_BIN_PATH=${HOST_CNI_BIN_PATH:-/host/opt/cni/bin}
INTROSPECTION=${INTROSPECTION_BIND_ADDRESS:-127.0.0.1:61679}

log() { printf '%s entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

probe() {
  node --input-type=module -e "
    const ctl = AbortSignal.timeout(5000);
    fetch('http://$INTROSPECTION/v1/enis', { signal: ctl }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
  "
}

sysctl_write() { # path value
  if [ -e "/proc/sys/$1" ]; then echo "$2" > "/proc/sys/$1"; log "sysctl $1=$2"; fi
}

init() {
  mkdir -p "$HOST_CNI_BIN_PATH"
  for plugin in "$APP"/cni-plugins/*; do
    name=$(basename "$plugin")
    cp "$plugin" "$HOST_CNI_BIN_PATH/.$name.tmp"
    chmod 0755 "$HOST_CNI_BIN_PATH/.$name.tmp"
    mv -f "$HOST_CNI_BIN_PATH/.$name.tmp" "$HOST_CNI_BIN_PATH/$name"
    log "installed $HOST_CNI_BIN_PATH/$name"
  done
  # The primary interface carries the default route (the reference matches the IMDS MAC; same interface on EC2).
  primary=$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route)
  if [ -n "$primary" ]; then sysctl_write "net/ipv4/conf/$primary/rp_filter" 2; fi
  if [ "${DISABLE_TCP_EARLY_DEMUX:-false}" = "true" ]; then sysctl_write net/ipv4/tcp_early_demux 0; else sysctl_write net/ipv4/tcp_early_demux 1; fi
  if [ "${ENABLE_IPv6:-false}" = "true" ]; then
    sysctl_write net/ipv6/conf/all/disable_ipv6 0
    sysctl_write net/ipv6/conf/all/forwarding 1
    if [ -n "$primary" ]; then sysctl_write "net/ipv6/conf/$primary/accept_ra" 2; fi
  fi
}

install_cni() {
  # Waits for ipamd's gRPC health check, then installs bin/aws-cni and 10-aws.conflist atomically (egress-cni,
  # which vpc-cni does not ship, is left out while it is disabled; it refuses ENABLE_V6_EGRESS=true).
  node "$APP/bin/vpc-cni" install-cni --plugin "$APP/bin/aws-cni" --wait 300
}

run() {
  node "$APP/bin/vpc-cni" ipamd &
  ipamd=$!
  trap 'kill -TERM "$ipamd" 2>/dev/null' TERM INT
  log "started ipamd (pid $ipamd); waiting until it answers on $INTROSPECTION"
  until probe; do
    if ! kill -0 "$ipamd" 2>/dev/null; then
      status=0; wait "$ipamd" || status=$?
      log "ipamd exited ($status) before it was ready"
      exit 1
    fi
    sleep 1
  done
  install_cni
  status=0; wait "$ipamd" || status=$?
  # A signal interrupts the first wait; wait again for ipamd's own exit.
  while kill -0 "$ipamd" 2>/dev/null; do status=0; wait "$ipamd" || status=$?; done
  log "ipamd exited ($status)"
  [ "$status" -eq 0 ] || exit 1
}

case "${1:-run}" in
  init) init ;;
  probe) probe ;;
  run) run ;;
  *) echo "usage: entrypoint.sh init|run|probe" >&2; exit 2 ;;
esac
