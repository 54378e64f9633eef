#!/bin/bash
# test/lab/lab.sh — zkk's test lab: named "hosts" on this one Linux machine that zkk
# deploys ZooKeeper/Kafka to over real SSH. No VM, Docker or systemd: network, mount,
# UTS, IPC and PID namespaces, one overlay of "/" per host, and Debian's sshd.
#
#   lab.sh up [HOST...]          boot hosts (default zk1 zk2 zk3); running ones are left
#                                alone, new names are added; writes ssh key/config,
#                                known_hosts, hosts.tsv and a zkk inventory
#   lab.sh down [--keep-state] [--force]
#                                end every lab process (by PID namespace), remove netns,
#                                veths, bridge, mounts and (unless --keep-state) disks;
#                                refused (exit 75) while a test session holds the lab
#                                (lab.ts labUp…labDown) unless --force
#   lab.sh status                name ip up|down|cut|partitioned|paused sshd=yes|no
#   lab.sh ssh HOST [CMD...]     ssh as zkk would (generated config, strict host keys)
#   lab.sh exec HOST [CMD...]    run a command inside the host (nsenter; works while cut)
#   lab.sh hosts                 "name<TAB>ip" lines
#   lab.sh env                   shell-sourceable LAB_STATE LAB_SSH_CONFIG LAB_KEY
#                                LAB_KNOWN_HOSTS LAB_INVENTORY
# Faults:
#   lab.sh cut HOST | heal HOST  unplug / replug (bridge-side veth down/up); heal also
#                                undoes partition
#   lab.sh partition HOST        blackhole routes between HOST and every peer (both
#                                ways); the machine can still reach it
#   lab.sh stop HOST [--hard]    graceful: the host's init.d services get "stop", then
#                                TERM to all, KILL after a grace; --hard: SIGKILL its
#                                PID 1 (power cut). Disk and network stay
#   lab.sh start HOST            boot again: sshd, then the host's /etc/rc2.d/S* services
#   lab.sh pause|resume HOST     SIGSTOP / SIGCONT every process of the host
#   lab.sh regen-hostkey HOST    new ssh host key, known_hosts NOT updated (a changed
#                                key must be refused); lab.sh trust HOST re-records it
#
# Addresses: bridge zkklab0 = 10.213.0.1/24 on the machine, hosts 10.213.0.11 upward
# (stable per name in hosts.tsv). Hosts have no default route, no DNS, no IPv6 on the
# lab link, and the bridge does not forward: lab traffic stays on 10.213.0.0/24.
# Environment: ZKK_LAB_STATE (/var/lib/zkk-lab), ZKK_FIXTURES (/var/cache/zkk-fixtures),
#   ZKK_LAB_STOP_TIMEOUT (s, graceful stop before SIGKILL, 180), ZKK_LAB_BOOT_TIMEOUT (30).
set -u -o pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
STATE=$(realpath -m "${ZKK_LAB_STATE:-/var/lib/zkk-lab}")
FIXTURES=$(realpath -m "${ZKK_FIXTURES:-/var/cache/zkk-fixtures}")
BR=zkklab0
NET=10.213.0
FIRST=11
NSP=zkklab-                       # netns names: zkklab-HOST
HOSTS_TSV=$STATE/hosts.tsv
SSH_DIR=$STATE/ssh
KEY=$SSH_DIR/id_ed25519
CFG=$SSH_DIR/config
KNOWN=$SSH_DIR/known_hosts
INV=$STATE/inventory.yml
PATH_IN_HOST=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MYPIDNS=$(readlink /proc/self/ns/pid)

log() { echo "[$(date +%T.%3N)] lab: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s%N; }
since() { echo "$(( ($(now) - $1) / 1000000 )) ms"; }

# Paths end up in overlay mount options (',' ':' break them) and in YAML: keep them plain.
[[ $STATE =~ ^/[A-Za-z0-9._/-]+$ && $STATE != / ]] || die "unsupported ZKK_LAB_STATE: $STATE"
[[ $FIXTURES =~ ^/[A-Za-z0-9._/-]+$ ]] || die "unsupported ZKK_FIXTURES: $FIXTURES"

need_root() { [ "$(id -u)" = 0 ] || die "run as root"; }

lock() {   # one mutating lab.sh at a time (fd 9; never inherited by hosts, see launch)
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another lab.sh holds $STATE/.lock"
}

# ---------------------------------------------------------------- prerequisites
ensure_deps() {
  local pkgs=() c
  declare -A pkg=([ip]=iproute2 [unshare]=util-linux [nsenter]=util-linux [setsid]=util-linux
    [flock]=util-linux [pivot_root]=util-linux [ssh]=openssh-client [ssh-keygen]=openssh-client
    [/usr/sbin/sshd]=openssh-server [setfattr]=attr [timeout]=coreutils [realpath]=coreutils)
  for c in "${!pkg[@]}"; do
    command -v "$c" >/dev/null 2>&1 || pkgs+=("${pkg[$c]}")
  done
  [ ${#pkgs[@]} -eq 0 ] && return 0
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  log "installing ${pkgs[*]} (no service is started on this machine)"
  # Pitfall: without systemd, openssh-server's postinst runs invoke-rc.d, which would
  # start sshd on the machine's 0.0.0.0:22. A policy-rc.d exiting 101 forbids it.
  local pol=/usr/sbin/policy-rc.d saved="" created=0 rc=0
  if [ -e "$pol" ]; then
    "$pol" ssh start >/dev/null 2>&1 || rc=$?
    [ $rc = 101 ] || { saved=$pol.zkk-lab-saved; mv -f "$pol" "$saved"; }
  fi
  if [ ! -e "$pol" ]; then printf '#!/bin/sh\nexit 101\n' > "$pol"; chmod 755 "$pol"; created=1; fi
  export DEBIAN_FRONTEND=noninteractive
  local inst=(apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "${pkgs[@]}")
  rc=0
  "${inst[@]}" >&2 || { apt-get update -q >&2 && "${inst[@]}" >&2; } || rc=$?
  [ $created = 1 ] && rm -f "$pol"
  [ -n "$saved" ] && mv -f "$saved" "$pol"
  [ $rc = 0 ] || die "apt-get install ${pkgs[*]} failed"
  [ -x /usr/sbin/sshd ] && command -v setfattr >/dev/null || die "prerequisites still missing"
}

# ---------------------------------------------------------------- bookkeeping
valid_name() { [[ $1 =~ ^[a-z][a-z0-9-]{0,11}$ ]]; }     # "lv-" + name fits IFNAMSIZ
host_ip() { awk -v h="$1" '$1 == h { print $2 }' "$HOSTS_TSV" 2>/dev/null; }
all_hosts() { awk 'NF >= 2 { print $1 }' "$HOSTS_TSV" 2>/dev/null; }
known() { [ -n "$(host_ip "$1")" ] || die "unknown lab host: $1 (lab.sh hosts)"; }
hdir() { echo "$STATE/$1"; }
nsof() { echo "$NSP$1"; }

alloc_ip() {
  local i
  for ((i = FIRST; i <= 254; i++)); do
    awk -v ip="$NET.$i" '$2 == ip { f = 1 } END { exit !f }' "$HOSTS_TSV" || { echo "$NET.$i"; return; }
  done
  die "no free address in $NET.0/24"
}

alive() {   # PID exists and is not a zombie
  local st
  { read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

pstate() { local st; { read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1; st=${st##*) }; echo "${st%% *}"; }

# Machine PID of the host's PID 1, only if alive and really that host's hostinit
# (argv check guards against PID reuse; it must live in a PID namespace of its own).
# The script's directory is not compared: a host booted from another checkout of the
# repo is still that host (never boot a second PID 1 on the same disk).
init_pid() {
  local p a
  { read -r p < "$(hdir "$1")/init.pid"; } 2>/dev/null || return 1
  [[ $p =~ ^[0-9]+$ ]] && alive "$p" || return 1
  mapfile -d '' a 2>/dev/null < "/proc/$p/cmdline" || return 1
  a+=("" "" "" "")
  [ "${a[1]##*/}" = hostinit.sh ] && [ "${a[2]:-}" = "$1" ] && [ "${a[3]:-}" = "$(hdir "$1")" ] || return 1
  [ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" != "$MYPIDNS" ] || return 1
  echo "$p"
}

host_pids() {   # every process of the host (machine PIDs): those in PID 1's PID namespace
  local p d; p=$(init_pid "$1") || return 0
  for d in /proc/[0-9]*; do   # test -ef compares the namespace inodes, no fork per process
    [ "$d/ns/pid" -ef "/proc/$p/ns/pid" ] && echo "${d#/proc/}"
  done
}

ssh_ready() {   # sshd banner on IP:22 within 1 s
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/22" && head -c 4 <&3' "$1" 2>/dev/null | grep -q '^SSH-'
}

wait_ssh() {   # IP SECONDS
  local end=$(( $(now) + $2 * 1000000000 ))
  until ssh_ready "$1"; do
    [ "$(now)" -lt $end ] || return 1
    sleep 0.05
  done
}

# ---------------------------------------------------------------- generated files
write_ssh_config() {
  local h
  {
    echo "# generated by test/lab/lab.sh — ssh -F $CFG HOST"
    for h in $(all_hosts); do printf 'Host %s\n  HostName %s\n' "$h" "$(host_ip "$h")"; done
    cat <<EOF
Host *
  User root
  IdentityFile $KEY
  IdentitiesOnly yes
  UserKnownHostsFile $KNOWN
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  LogLevel ERROR
EOF
  } > "$CFG.new" && mv -f "$CFG.new" "$CFG"
}

write_inventory() {
  local h i=0 roles
  {
    echo "# generated by test/lab/lab.sh up — the built-in lab cluster"
    echo "cluster: lab"
    echo "ssh:"
    echo "  user: root"
    echo "  identityFile: $KEY"
    echo "  knownHosts: $KNOWN"
    echo "hosts:"
    for h in $(all_hosts); do
      if [ $i -lt 3 ]; then roles="[zookeeper, kafka]"; else roles="[kafka]"; fi
      printf '  - name: %s\n    address: %s\n    roles: %s\n' "$h" "$(host_ip "$h")" "$roles"
      i=$((i + 1))
    done
    for h in zookeeper kafka; do
      printf '%s:\n  release:\n    mirror: %s/mirror\n' "$h" "$FIXTURES"
    done
  } > "$INV.new" && mv -f "$INV.new" "$INV"
}

host_pubkey() { cut -d' ' -f1,2 "$(hdir "$1")/upper/etc/ssh/ssh_host_ed25519_key.pub"; }

trust_host() {   # HOST [--replace]: record the host's current key in known_hosts
  local h=$1 ip key; ip=$(host_ip "$h")
  touch "$KNOWN"
  if [ "${2:-}" != --replace ] && awk -v k="$h,$ip" '$1 == k { f = 1 } END { exit !f }' "$KNOWN"; then return 0; fi
  key=$(host_pubkey "$h") || die "$h: no ssh host key yet"
  { awk -v k="$h,$ip" '$1 != k' "$KNOWN"; echo "$h,$ip $key"; } > "$KNOWN.new"
  mv -f "$KNOWN.new" "$KNOWN"
}

hosts_block() { awk 'NF >= 2 { print $2 "\t" $1 }' "$HOSTS_TSV"; }

refresh_etc_hosts() {   # HOST: rewrite the lab block of a running host's /etc/hosts
  local p; p=$(init_pid "$1") || return 0
  nsenter -t "$p" -m -r -- /bin/bash -c '
    { sed "/^# BEGIN zkk-lab\$/,/^# END zkk-lab\$/d" /etc/hosts
      echo "# BEGIN zkk-lab"; echo "$0"; echo "# END zkk-lab"; } > /etc/hosts.new &&
    cat /etc/hosts.new > /etc/hosts && rm -f /etc/hosts.new' "$(hosts_block)"
}

# ---------------------------------------------------------------- network
ensure_bridge() {
  if ! ip link show "$BR" >/dev/null 2>&1; then
    ip -4 -o addr show | grep -q " $NET\." && die "$NET.0/24 is already in use on this machine"
    ip link add "$BR" type bridge || die "cannot create bridge $BR"
    echo 1 > "/proc/sys/net/ipv6/conf/$BR/disable_ipv6"
    ip addr add "$NET.1/24" dev "$BR"
    ip link set "$BR" up
  fi
  # Never route for the hosts, whatever net.ipv4.ip_forward says (a host's root could
  # add a default route via $NET.1): packets arriving on the bridge are not forwarded.
  echo 0 > "/proc/sys/net/ipv4/conf/$BR/forwarding"
}

ensure_netns() {
  local h=$1 ns; ns=$(nsof "$1")
  if [ ! -e "/run/netns/$ns" ]; then
    [ -d /run/netns ] && mountpoint -q /run/netns || touch "$STATE/.made-run-netns"
    ip netns add "$ns" || die "ip netns add $ns"
    # eth0 is born in the netns: give it no IPv6 at all (not even link-local)
    nsenter --net="/run/netns/$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
  fi
  if ! ip link show "lv-$h" >/dev/null 2>&1; then
    ip link add "lv-$h" type veth peer name eth0 netns "$ns" || die "veth for $h"
    echo 1 > "/proc/sys/net/ipv6/conf/lv-$h/disable_ipv6"
    ip link set "lv-$h" master "$BR" up
    ip -n "$ns" addr add "$(host_ip "$h")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up          # and deliberately no default route
  fi
}

is_partitioned() { [ -e "$(hdir "$1")/partitioned" ]; }

blackhole() {   # add|del A B: routes between A and B, both directions
  local op=$1 a=$2 b=$3
  if [ "$op" = add ]; then op=replace; fi
  ip -n "$(nsof "$a")" route "$op" blackhole "$(host_ip "$b")/32" 2>/dev/null
  ip -n "$(nsof "$b")" route "$op" blackhole "$(host_ip "$a")/32" 2>/dev/null
  return 0
}

# ---------------------------------------------------------------- host lifecycle
launch() {   # start the host's PID 1 (returns at once)
  local h=$1 S; S=$(hdir "$1")
  mkdir -p "$S"; rm -f "$S/init.pid"
  # setsid + env -i: a new session and a minimal environment, like a real init.
  # No fd leaks into the host: stdin/out/err are redirected and EVERY other inherited fd
  # is closed. Hosts live on after lab.sh: an inherited pipe would hold a caller that
  # waits for our output (execFile), and an inherited lock fd (our fd 9, or the caller's
  # `flock /some/lock lab.sh up`) would stay locked for the hosts' whole life.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && exec {fd}>&-
    done
    exec setsid env -i PATH="$PATH_IN_HOST" HOME=/root LANG=C.UTF-8 TERM=linux \
      nsenter --net="/run/netns/$(nsof "$h")" -- \
      unshare --mount --uts --ipc --pid --fork --propagation private \
      /bin/bash "$LAB_DIR/hostinit.sh" "$h" "$S" "$STATE" \
      </dev/null >>"$S/console.log" 2>&1
  ) 2>/dev/null &
}

wait_init() {   # HOST: hostinit reported its PID
  local h=$1 i
  for ((i = 0; i < 500; i++)); do
    init_pid "$h" >/dev/null && return 0
    sleep 0.02
  done
  tail -n 5 "$(hdir "$h")/console.log" >&2
  die "$h: PID 1 did not start (see $(hdir "$h")/console.log)"
}

boot_wait() {   # HOST: sshd answers, host key known
  local h=$1
  wait_ssh "$(host_ip "$h")" "${ZKK_LAB_BOOT_TIMEOUT:-30}" || {
    tail -n 5 "$(hdir "$h")/console.log" >&2
    die "$h: sshd did not answer (see $(hdir "$h")/console.log)"
  }
  trust_host "$h"
}

boot() {   # HOST...: launch all, then wait for all (hosts boot in parallel)
  local h
  for h; do ensure_netns "$h"; launch "$h"; done
  for h; do wait_init "$h"; done
  for h; do boot_wait "$h"; done
}

wait_gone() {   # PID SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do alive "$1" || return 0; sleep 0.05; done
  return 1
}

stop_host() {   # HOST [--hard]
  local h=$1 p
  p=$(init_pid "$h") || { log "$h: not running"; return 0; }
  if [ "${2:-}" = --hard ]; then
    kill -KILL "$p"     # PID 1 dies: the kernel SIGKILLs its whole PID namespace
    wait_gone "$p" 10 || die "$h: PID $p survived SIGKILL"
  else
    local t=${ZKK_LAB_STOP_TIMEOUT:-180}
    kill -CONT $(host_pids "$h") 2>/dev/null   # a paused host cannot shut down
    kill -TERM "$p"     # hostinit: services stop, TERM all, KILL after a grace
    if ! wait_gone "$p" "$t"; then
      log "$h: still running after ${t}s, SIGKILL"
      kill -KILL "$p"; wait_gone "$p" 10 || die "$h: PID $p survived SIGKILL"
    fi
  fi
  rm -f "$(hdir "$h")/init.pid"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  need_root
  local t0 h; t0=$(now)
  [ $# -eq 0 ] && set -- zk1 zk2 zk3
  for h; do valid_name "$h" || die "bad host name '$h' (^[a-z][a-z0-9-]{0,11}\$)"; done
  lock
  ensure_deps
  mkdir -p "$SSH_DIR"; chmod 700 "$SSH_DIR"
  [ -s "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C zkk-lab -f "$KEY" || die "ssh-keygen"
  touch "$HOSTS_TSV"
  local added=0
  for h; do
    [ -n "$(host_ip "$h")" ] && continue
    printf '%s\t%s\n' "$h" "$(alloc_ip)" >> "$HOSTS_TSV"; added=1
  done
  ensure_bridge
  write_ssh_config
  write_inventory
  local todo=() o
  for h; do
    if init_pid "$h" >/dev/null; then continue; fi
    todo+=("$h")
  done
  for h in "${todo[@]}"; do   # keep partitions in force against hosts that join
    ensure_netns "$h"
    for o in $(all_hosts); do
      [ "$o" != "$h" ] && [ -e "/run/netns/$(nsof "$o")" ] && { is_partitioned "$o" || is_partitioned "$h"; } &&
        blackhole add "$h" "$o"
    done
  done
  [ ${#todo[@]} -gt 0 ] && boot "${todo[@]}"
  if [ $added = 1 ]; then
    for h in $(all_hosts); do
      case " ${todo[*]-} " in *" $h "*) ;; *) refresh_etc_hosts "$h" ;; esac
    done
  fi
  log "up: ${#todo[@]} booted, $(( $# - ${#todo[@]} )) already running, in $(since "$t0")"
}

# A test session (lab.ts labUp … labDown) holds an flock on STATE/.lease; it sets
# ZKK_LAB_LEASE=held for itself and its children. Anyone else's down would pull the lab
# from under it.
lease_busy() {
  [ "${ZKK_LAB_LEASE:-}" = held ] || [ ! -e "$STATE/.lease" ] && return 1
  ! flock -n "$STATE/.lease" true
}

cmd_down() {
  need_root
  local keep=0 force=0 t0 h p q i a; t0=$(now)
  for a; do
    case "$a" in --keep-state) keep=1 ;; --force) force=1 ;; *) die "usage: down [--keep-state] [--force]" ;; esac
  done
  if [ $force = 0 ] && lease_busy; then
    log "the lab is in use by a test session ($(cat "$STATE/.lease.owner" 2>/dev/null || echo '?')); not torn down (down --force ends it anyway)"
    exit 75
  fi
  lock
  # every host we can find: hosts.tsv and any netns of ours
  local names=() f
  mapfile -t names < <({ all_hosts; for f in /run/netns/"$NSP"*; do [ -e "$f" ] && echo "${f##*/$NSP}"; done; } | sort -u)
  # 1. SIGKILL every PID 1 at once. The kernel then kills the rest of its PID namespace,
  #    and PID 1 turns zombie only once every other member is gone: waiting for PID 1
  #    is waiting for the whole host.
  local inits=()
  for h in "${names[@]}"; do
    p=$(init_pid "$h") || continue
    kill -KILL "$p"; inits+=("$p")
  done
  for p in "${inits[@]}"; do wait_gone "$p" 10 || log "WARNING: PID $p alive after SIGKILL"; done
  # 2. processes that entered a host's netns from outside (an `ip netns exec`, the
  #    unshare parent of PID 1, nsenter): let them end, then end them by PID
  for h in "${names[@]}"; do
    local ns; ns=$(nsof "$h")
    [ -e "/run/netns/$ns" ] || continue
    local strag=""
    for ((i = 0; i < 20; i++)); do
      strag=""
      for q in $(ip netns pids "$ns" 2>/dev/null); do alive "$q" && strag+="$q "; done
      [ -z "$strag" ] && break
      sleep 0.05
    done
    if [ -n "$strag" ]; then
      log "$h: ending processes still in its netns: $strag"
      kill -KILL $strag 2>/dev/null
      for q in $strag; do wait_gone "$q" 5; done
    fi
    ip netns del "$ns" || log "WARNING: ip netns del $ns failed"
  done
  # 3. links (deleting one veth end deletes its peer), bridge, /run/netns if ours
  for h in "${names[@]}"; do ip link del "lv-$h" 2>/dev/null; rm -f "$(hdir "$h")/init.pid" "$(hdir "$h")/partitioned"; done
  ip link show "$BR" >/dev/null 2>&1 && ip link del "$BR"
  if [ -e "$STATE/.made-run-netns" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
    umount /run/netns 2>/dev/null; rmdir /run/netns 2>/dev/null
    rm -f "$STATE/.made-run-netns"
  fi
  # 4. disks and generated files (the client key pair is kept: generated once)
  if [ $keep = 0 ]; then
    for h in "${names[@]}"; do valid_name "$h" && rm -rf "${STATE:?}/$h"; done
    rm -f "$HOSTS_TSV" "$KNOWN" "$CFG" "$INV"
  fi
  # 5. prove it: no overlay of ours mounted anywhere
  if grep -qs " zkklab-" /proc/[0-9]*/mountinfo; then log "WARNING: zkklab overlay mounts remain"; fi
  log "down: ${#names[@]} host(s) in $(since "$t0")$([ $keep = 1 ] && echo ', state kept')"
}

host_state() {
  local h=$1 p
  p=$(init_pid "$h") || { echo down; return; }
  if [ "$(pstate "$p")" = T ]; then echo paused; return; fi
  if ! ip -o link show "lv-$h" 2>/dev/null | grep -q '[<,]UP[,>]'; then echo cut; return; fi
  if is_partitioned "$h"; then echo partitioned; return; fi
  echo up
}

cmd_status() {
  local h tmp; tmp=$(mktemp -d)
  for h in $(all_hosts); do   # probe sshd of all hosts at once (1 s timeout each)
    { ssh_ready "$(host_ip "$h")" && echo yes || echo no; } > "$tmp/$h" &
  done
  wait
  for h in $(all_hosts); do
    printf '%s %s %s sshd=%s\n' "$h" "$(host_ip "$h")" "$(host_state "$h")" "$(cat "$tmp/$h")"
  done
  rm -rf "$tmp"
}

cmd_exec() {
  [ $# -ge 1 ] || die "usage: exec HOST [CMD...]"
  local h=$1 p; shift; known "$h"
  p=$(init_pid "$h") || die "$h is not running"
  [ $# -eq 0 ] && set -- /bin/bash -l
  # the host's root, cwd and every namespace; a clean login-like environment
  exec nsenter -t "$p" -m -u -i -n -p -r -w -- \
    /usr/bin/env -i PATH="$PATH_IN_HOST" HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 \
    TERM="${TERM:-dumb}" "$@"
}

cmd_ssh() {
  [ $# -ge 1 ] || die "usage: ssh HOST [CMD...]"
  local h=$1; shift; known "$h"
  exec ssh -F "$CFG" "$h" "$@"
}

cmd_cut() { known "$1"; ip link set "lv-$1" down && log "$1: cut"; }

cmd_heal() {
  local h=$1 o; known "$h"
  rm -f "$(hdir "$h")/partitioned"
  for o in $(all_hosts); do
    [ "$o" = "$h" ] || is_partitioned "$o" || blackhole del "$h" "$o"
  done
  ip link set "lv-$h" up && log "$h: healed"
}

cmd_partition() {
  local h=$1 o; known "$h"
  [ -e "/run/netns/$(nsof "$h")" ] || die "$h has no network (lab.sh up first)"
  touch "$(hdir "$h")/partitioned"
  for o in $(all_hosts); do [ "$o" = "$h" ] || blackhole add "$h" "$o"; done
  log "$h: partitioned from its peers (the machine still reaches it)"
}

cmd_stop() {
  local h=${1:-} mode=${2:-}
  [ -n "$h" ] && { [ -z "$mode" ] || [ "$mode" = --hard ]; } || die "usage: stop HOST [--hard]"
  known "$h"; local t0; t0=$(now)
  stop_host "$h" "$mode"
  log "$h: stopped${mode:+ (hard)} in $(since "$t0")"
}

cmd_start() {
  local h=$1 t0; known "$h"; t0=$(now)
  need_root; lock
  init_pid "$h" >/dev/null && { log "$h: already running"; return 0; }
  ensure_bridge
  boot "$h"
  log "$h: started in $(since "$t0")"
}

cmd_signal() {   # STOP|CONT HOST
  local sig=$1 h=$2 i p pids; known "$h"
  init_pid "$h" >/dev/null || die "$h is not running"
  if [ "$sig" = CONT ]; then
    kill -CONT $(host_pids "$h") 2>/dev/null
  else   # repeat until all are stopped: a child forked meanwhile must not escape
    for ((i = 0; i < 20; i++)); do
      pids=""
      for p in $(host_pids "$h"); do
        case "$(pstate "$p")" in T | Z | "") ;; *) pids+="$p " ;; esac
      done
      [ -z "$pids" ] && break
      kill -STOP $pids 2>/dev/null
      sleep 0.01
    done
  fi
  log "$h: SIG$sig"
}

cmd_regen_hostkey() {
  local h=$1 p; known "$h"
  p=$(init_pid "$h") || die "$h is not running"
  nsenter -t "$p" -m -u -i -n -p -r -w -- /bin/sh -c '
    rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub &&
    ssh-keygen -q -t ed25519 -N "" -C "root@$(hostname)" -f /etc/ssh/ssh_host_ed25519_key &&
    kill -HUP "$(cat /run/sshd.pid)"' || die "$h: regen-hostkey failed"
  # SIGHUP: sshd re-executes itself (same PID) and reads the new key
  sleep 0.2; wait_ssh "$(host_ip "$h")" 10 || die "$h: sshd did not come back"
  log "$h: new host key $(host_pubkey "$h" | cut -c1-40)… (known_hosts unchanged)"
}

cmd_env() {
  printf 'LAB_STATE=%q\nLAB_SSH_CONFIG=%q\nLAB_KEY=%q\nLAB_KNOWN_HOSTS=%q\nLAB_INVENTORY=%q\n' \
    "$STATE" "$CFG" "$KEY" "$KNOWN" "$INV"
}

one() { [ $# -eq 1 ] || die "usage: $CMD HOST"; }

CMD=${1:-}
[ $# -gt 0 ] && shift
case "$CMD" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status ;;
  ssh) cmd_ssh "$@" ;;
  exec) need_root; cmd_exec "$@" ;;
  hosts) [ -f "$HOSTS_TSV" ] && cat "$HOSTS_TSV"; true ;;
  env) cmd_env ;;
  cut) need_root; one "$@"; cmd_cut "$1" ;;
  heal) need_root; one "$@"; cmd_heal "$1" ;;
  partition) need_root; one "$@"; cmd_partition "$1" ;;
  stop) need_root; cmd_stop "$@" ;;
  start) one "$@"; cmd_start "$1" ;;
  pause) need_root; one "$@"; cmd_signal STOP "$1" ;;
  resume) need_root; one "$@"; cmd_signal CONT "$1" ;;
  regen-hostkey) need_root; one "$@"; cmd_regen_hostkey "$1" ;;
  trust) need_root; one "$@"; known "$1"; trust_host "$1" --replace; log "$1: host key trusted" ;;
  *) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ -z "$CMD" ] || [ "$CMD" = help ] || exit 2 ;;
esac
