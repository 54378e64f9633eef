#!/usr/bin/env bash
# libvirt.sh up|down|status|exec CMD… — the private world the Vagrant VMs live in.
#
#   up    create the network namespace $NS (loopback only: no veth, no route out of the
#         machine), then start virtlogd and libvirtd by hand inside it (this machine has
#         no systemd); every bridge libvirt makes and every QEMU it spawns lives there, so
#         10.214.x.x traffic never touches the machine's own interfaces. Defines the
#         storage pool $POOL. Idempotent: a running daemon of ours is reused.
#   down  stop the VMs' domains and networks still running, then the daemons we started
#         (by the PIDs in their pid files, never by name), restore qemu.conf, delete the
#         namespace. A libvirtd we did not start is never touched.
#   exec  run a command inside the namespace (vagrant, ssh, the tests must: the VMs'
#         addresses only exist there). libvirtd's control socket is a filesystem socket,
#         so virsh works from anywhere.
#
# qemu.conf gets user = "root" / group = "root" while our daemons run: /dev/kvm here is
# root-only (no udev rule applies), and libvirt, which checks it as libvirt-qemu on every
# API call, then throws its QEMU capability cache away and re-probes QEMU (4-45 s per
# call, minutes per `vagrant up`). Guests run under TCG anyway.
set -euo pipefail
CACHE=${ZKK_VAGRANT_CACHE:-/var/cache/zkk-vagrant}
NS=${ZKK_VAGRANT_NETNS:-zkkvag}
POOL=${ZKK_VAGRANT_POOL:-zkk-vagrant}
RUN=$CACHE/run
VIRSH=(virsh -q -c qemu:///system)
log() { echo "[libvirt $(date +%T)] $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "libvirt.sh: run as root" >&2; exit 1; }

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
answers() { "${VIRSH[@]}" version >/dev/null 2>&1; }

ensure_packages() {
  local missing=()
  command -v libvirtd >/dev/null || missing+=(libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients)
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
  command -v vagrant >/dev/null || missing+=(vagrant)
  [ -d /usr/share/rubygems-integration/all/gems ] && ls -d /usr/share/rubygems-integration/all/gems/vagrant-libvirt-* >/dev/null 2>&1 || missing+=(vagrant-libvirt)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the packages' postinst from trying to start daemons (no init system here)
  apt-get install -y -qq --no-install-recommends "${missing[@]}" ebtables qemu-block-extra e2fsprogs >&2 \
    || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" ebtables qemu-block-extra e2fsprogs >&2; }
}

up() {
  ensure_packages
  mkdir -p "$RUN" /run/libvirt /var/log/libvirt
  if alive libvirtd && answers; then log "libvirtd already running (ours, pid $(cat "$RUN/libvirtd.pid"))"; return 0; fi
  if answers; then
    echo "libvirt.sh: a libvirtd not started by zkk answers on qemu:///system; stop it first (its VMs would not be in the isolated namespace $NS)" >&2
    exit 1
  fi
  ip netns list | grep -qw "$NS" || { ip netns add "$NS"; ip -n "$NS" link set lo up; }
  if ! grep -q '^# zkk-vagrant' /etc/libvirt/qemu.conf; then
    cp /etc/libvirt/qemu.conf "$RUN/qemu.conf.orig"
    printf '# zkk-vagrant: guests run as root while zkk'"'"'s libvirtd runs (test/vagrant/libvirt.sh)\nuser = "root"\ngroup = "root"\n' >> /etc/libvirt/qemu.conf
  fi
  alive virtlogd || ip netns exec "$NS" virtlogd -d -p "$RUN/virtlogd.pid"
  ip netns exec "$NS" libvirtd -d -p "$RUN/libvirtd.pid"
  for _ in $(seq 1 60); do answers && break; sleep 0.5; done
  answers || { echo "libvirt.sh: libvirtd did not answer" >&2; exit 1; }
  # only our networks: a stray autostarted one (e.g. libvirt's "default" network) goes down
  for net in $("${VIRSH[@]}" net-list --name 2>/dev/null); do
    case $net in zkk-*) ;; *) log "stopping libvirt network $net (not ours)"; "${VIRSH[@]}" net-destroy "$net" >/dev/null || true ;; esac
  done
  if ! "${VIRSH[@]}" pool-info "$POOL" >/dev/null 2>&1; then
    mkdir -p "$CACHE/pool"
    "${VIRSH[@]}" pool-define-as "$POOL" dir --target "$CACHE/pool" >/dev/null
  fi
  "${VIRSH[@]}" pool-start "$POOL" >/dev/null 2>&1 || true
  log "virtlogd pid $(cat "$RUN/virtlogd.pid"), libvirtd pid $(cat "$RUN/libvirtd.pid") in netns $NS"
}

down() {
  if alive libvirtd; then
    for dom in $("${VIRSH[@]}" list --name 2>/dev/null); do
      case $dom in zkk-*) log "destroying leftover domain $dom"; "${VIRSH[@]}" destroy "$dom" >/dev/null || true ;; esac
    done
    for net in $("${VIRSH[@]}" net-list --name 2>/dev/null); do "${VIRSH[@]}" net-destroy "$net" >/dev/null || true; done
  fi
  for d in libvirtd virtlogd; do
    if alive "$d"; then
      pid=$(cat "$RUN/$d.pid"); kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      log "stopped $d (pid $pid)"
    fi
    rm -f "$RUN/$d.pid"
  done
  if [ -f "$RUN/qemu.conf.orig" ]; then cp "$RUN/qemu.conf.orig" /etc/libvirt/qemu.conf; rm -f "$RUN/qemu.conf.orig"; fi
  # the namespace goes when nothing of ours runs in it any more
  if ip netns list | grep -qw "$NS" && [ -z "$(ip netns pids "$NS" 2>/dev/null)" ]; then ip netns del "$NS"; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) alive libvirtd && echo "libvirtd running (pid $(cat "$RUN/libvirtd.pid"), netns $NS)" || echo "libvirtd not running (ours)" ;;
  exec) shift; exec ip netns exec "$NS" "$@" ;;
  *) echo "usage: $0 up|down|status|exec CMD..." >&2; exit 2 ;;
esac
