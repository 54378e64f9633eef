#!/bin/bash
# hostinit.sh HOST HOST_DIR LAB_STATE — PID 1 of one zkk lab host.
#
# test/lab/lab.sh starts it as
#   setsid env -i PATH=… nsenter --net=/run/netns/zkklab-HOST \
#     unshare --mount --uts --ipc --pid --fork --propagation private \
#       /bin/bash hostinit.sh HOST LAB_STATE/HOST LAB_STATE
# so it begins inside the host's network namespace (lo + eth0 on the lab bridge, no
# default route) and in new mount/UTS/IPC/PID namespaces, as PID 1.
#
# Boot:
#   1. report its PID as the machine sees it (HOST_DIR/init.pid): lab.sh signals it;
#   2. one overlay of the machine's whole "/" (upper/work under HOST_DIR): every write,
#      wherever it goes (/etc, /usr, /opt, /data …), stays in this host. On first boot
#      /root /home /opt /srv /usr/local /var/tmp /tmp start empty (opaque upper dirs);
#   3. fresh /proc /sys /dev/pts /dev/shm /run; LAB_STATE covered by an empty read-only
#      tmpfs (hosts must not see each other's disks; and an overlay must not look up its
#      own upper dir through its lower layer: ELOOP); pivot_root, old root detached;
#   4. identity on first boot: machine-id, its own ed25519 ssh host key, a complete
#      sshd_config (root by key only, sftp), fresh /root and /usr/local skeletons;
#      every boot: hostname, /etc/hosts lab block, resolv.conf without nameservers;
#   5. sshd on :22, then the host's OWN SysV services: every /etc/rc2.d/S* link the
#      machine itself lacks (e.g. from `update-rc.d zookeeper defaults` in the host),
#      "start", in order. There is no systemd: use init.d scripts / `service`.
# Running: reaps orphans (bash waits for any child on SIGCHLD).
# SIGTERM (lab.sh stop): those services get "stop" (K order from /etc/rc0.d, else the
#      reverse of the start order), then TERM to everything, KILL after a grace period,
#      then exit — and the kernel ends the PID namespace with us.
#
# The body is one function, called on the last line: bash has parsed it completely
# before running it, so editing this file while hosts run cannot derail them.

main() {
  set -u
  local H=$1 S=$2 LAB_STATE=$3
  local M=$S/merged
  export LC_ALL=C

  # 1. our PID in the machine's namespace: /proc is still the machine's here, and a
  #    builtin's redirection opens /proc/self from this very process.
  local rootpid _
  read -r rootpid _ < /proc/self/stat
  echo "$rootpid" > "$S/init.pid.new" && mv -f "$S/init.pid.new" "$S/init.pid" || die "init.pid"
  log "booting (machine pid $rootpid)"

  # read what we need from the machine before its root disappears
  local pubkey hostsblock machine_rc2
  pubkey=$(cat "$LAB_STATE/ssh/id_ed25519.pub") || die "no lab key"
  hostsblock=$(awk 'NF >= 2 { print $2 "\t" $1 }' "$LAB_STATE/hosts.tsv") || die "no hosts.tsv"
  machine_rc2=" $(cd /etc/rc2.d 2>/dev/null && echo S*) "

  hostname "$H" || die "hostname"

  # 2. copy-on-write root. The lower layer is only the root mount itself: what is
  #    mounted on top of the machine's / (/proc, /dev, /run/netns …) is not in it.
  mkdir -p "$S/upper" "$S/work" "$M" || die "mkdir"
  local first_boot=0 d
  [ -e "$S/upper/etc/zkk-lab-host" ] || first_boot=1
  if [ $first_boot = 1 ]; then
    for d in /root /home /opt /srv /usr/local /var/tmp /tmp; do
      [ -d "$d" ] || continue
      mkdir -p "$S/upper$d"
      chown --reference="$d" "$S/upper$d" && chmod --reference="$d" "$S/upper$d" || die "perm $d"
      # opaque: the host does not see the machine's content of $d
      setfattr -n trusted.overlay.opaque -v y "$S/upper$d" || die "cannot mark $d opaque"
    done
  fi
  mount -t overlay "zkklab-$H" -o "lowerdir=/,upperdir=$S/upper,workdir=$S/work" "$M" || die "overlay"

  # 3. pseudo filesystems, state mask, switch root
  mount -t proc proc "$M/proc" || die "proc"
  mount -t sysfs sysfs "$M/sys" || die "sysfs"
  mount --rbind /dev "$M/dev" || die "dev"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$M/dev/pts" || die "devpts"
  mount -t tmpfs -o mode=1777,size=512m tmpfs "$M/dev/shm" || die "shm"
  mount -t tmpfs -o mode=0755,size=64m tmpfs "$M/run" || die "run"
  mkdir -p "$M$LAB_STATE" && mount -t tmpfs -o ro,mode=0755,size=4k tmpfs "$M$LAB_STATE" || die "mask state"
  mkdir -p "$M/.oldroot" && cd "$M" && pivot_root . .oldroot || die "pivot_root"
  cd / && umount -l /.oldroot && rmdir /.oldroot || die "detach old root"

  # 4. identity
  if [ $first_boot = 1 ]; then
    log "first boot: new identity"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > /etc/machine-id && echo >> /etc/machine-id
    rm -f /etc/ssh/ssh_host_*          # the machine's keys: whiteouts in this host
    ssh-keygen -q -t ed25519 -N '' -C "root@$H" -f /etc/ssh/ssh_host_ed25519_key || die "ssh-keygen"
    rm -f /etc/ssh/sshd_config.d/*.conf
    cat > /etc/ssh/sshd_config <<'EOF'
# zkk lab host (written by test/lab/hostinit.sh on first boot)
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
UseDNS no
PrintMotd no
X11Forwarding no
PidFile /run/sshd.pid
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
# a provisioning tool opens many sessions at once
MaxStartups 100:30:200
MaxSessions 100
Include /etc/ssh/sshd_config.d/*.conf
EOF
    # The machine may carry a "never start services" policy (Docker images do); a
    # real server does not: invoke-rc.d inside the host must work.
    rm -f /usr/sbin/policy-rc.d
    cp /usr/share/base-files/dot.bashrc /root/.bashrc 2>/dev/null
    cp /usr/share/base-files/dot.profile /root/.profile 2>/dev/null
    mkdir -p /usr/local/bin /usr/local/etc /usr/local/games /usr/local/include \
      /usr/local/lib /usr/local/sbin /usr/local/share/man /usr/local/src
    ln -sfn share/man /usr/local/man
    date -u +%FT%TZ > /etc/zkk-lab-host
  fi
  echo "$H" > /etc/hostname
  write_hosts "$hostsblock"
  rm -f /etc/resolv.conf   # may be a symlink into the machine's /run
  # no nameserver line: glibc then asks 127.0.0.1 in this netns: nothing leaves the lab
  printf '# zkk lab host: no DNS, names come from /etc/hosts\noptions timeout:1 attempts:1\n' > /etc/resolv.conf
  mkdir -p /root/.ssh && chmod 700 /root/.ssh
  echo "$pubkey" > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys

  # 5. services
  mkdir -p /run/sshd && chmod 0755 /run/sshd
  /usr/sbin/sshd -D -E /var/log/zkk-lab-sshd.log &
  local svc
  svc=$(host_services "$machine_rc2")
  if [ -n "$svc" ]; then
    (
      for f in $svc; do
        log "start $f"
        timeout 120 "$f" start </dev/null
      done
    ) >> /var/log/zkk-lab-boot.log 2>&1 &
  fi

  trap 'shutdown "$machine_rc2"' TERM INT
  log "up"
  while :; do
    sleep 3600 &
    wait $!
  done
}

log() { echo "[$(date +%T.%3N)] hostinit[${H:-?}]: $*"; }
die() { log "FATAL: $*"; exit 1; }

# /etc/hosts: localhost lines + a lab block (lab.sh rewrites the block when hosts join)
write_hosts() {
  {
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
    echo "# BEGIN zkk-lab"
    echo "$1"
    echo "# END zkk-lab"
  } > /etc/hosts
}

# /etc/rc2.d/S* entries of this host that the machine's own rc2.d does not have
host_services() {
  local f
  for f in /etc/rc2.d/S*; do
    [ -x "$f" ] || continue
    case "$1" in *" ${f##*/} "*) continue ;; esac
    echo "$f"
  done
}

# stop order: services with a K link in /etc/rc0.d in K order, the others in reverse
# start order; prints init.d paths
stop_order() {
  local f name k started=() seen=" "
  for f in $(host_services "$1"); do
    name=${f##*/S[0-9][0-9]}
    started+=("$name")
  done
  for k in /etc/rc0.d/K*; do
    [ -e "$k" ] || continue
    name=${k##*/K[0-9][0-9]}
    case " ${started[*]-} " in *" $name "*) echo "/etc/init.d/$name"; seen+="$name " ;; esac
  done
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    case "$seen" in *" ${started[i]} "*) ;; *) echo "/etc/init.d/${started[i]}" ;; esac
  done
}

others_alive() {   # a non-zombie process other than PID 1? (builtins only: no forks)
  local d st
  for d in /proc/[0-9]*; do
    [ "$d" = /proc/1 ] && continue
    { read -r st < "$d/stat"; } 2>/dev/null || continue
    st=${st##*) }
    [ "${st%% *}" = Z ] || return 0
  done
  return 1
}

shutdown() {
  trap '' TERM INT
  local f i grace=${ZKK_LAB_KILL_AFTER:-10}
  for f in $(stop_order "$1"); do
    [ -x "$f" ] || continue
    log "stop $f"
    timeout 90 "$f" stop </dev/null >> /var/log/zkk-lab-boot.log 2>&1
  done
  log "TERM to all processes"
  kill -TERM -1 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    others_alive || break
    sleep 0.1
  done
  others_alive && log "KILL to what is left"
  kill -KILL -1 2>/dev/null
  log "halted"
  exit 0
}

main "$@"
exit
