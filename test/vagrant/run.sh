#!/usr/bin/env bash
# run.sh [--keep] [--vms N] [--smoke] [-- VITEST_ARGS…] — zkk's end-to-end suite on Vagrant VMs
# (npm run test:vagrant). As root:
#
#   1. setup (test/setup.sh: build, fixture releases), libvirt (libvirt.sh up) if not running,
#      the offline box (build-box.sh, cached), the JDK tarball for the VMs (jdk-archive.sh)
#   2. vagrant up N VMs (default ZKK_VAGRANT_VMS or 3) inside the isolated netns
#   3. from `vagrant ssh-config`: $STATE/ssh-config, known_hosts (ssh-keyscan), target.json
#      for the suite (test/e2e/target.ts) and a zkk inventory $STATE/inventory.yml (every VM
#      runs ZooKeeper and a broker; login vagrant + sudo)
#   4. the suite, ZKK_E2E_TARGET=vagrant: test/e2e/zookeeper-deploy.test.ts, kafka.test.ts and status.test.ts
#      (or the files/filters after --), the same files that run on the netns lab.
#      --smoke instead: deploy $STATE/inventory.yml, check the services are systemd units
#      run by their own users, deploy again → 0 changed (what CI runs, with --vms 1)
#   5. vagrant destroy, and libvirtd/virtlogd stopped if this run started them;
#      --keep leaves VMs and daemons up (ssh: test/vagrant/libvirt.sh exec ssh -F $STATE/ssh-config zkk1)
#
# Timings of each phase are printed at the end. State lives in $ZKK_VAGRANT_CACHE/state
# (default /var/cache/zkk-vagrant/state), never in the repo.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${ZKK_VAGRANT_CACHE:-/var/cache/zkk-vagrant}
STATE=$CACHE/state
KEEP=0; SMOKE=0; VMS=${ZKK_VAGRANT_VMS:-3}; VITEST_ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --keep) KEEP=1 ;;
    --smoke) SMOKE=1 ;;
    --vms) VMS=$2; shift ;;
    --) shift; VITEST_ARGS=("$@"); break ;;
    *) echo "usage: $0 [--keep] [--vms N] [--smoke] [-- VITEST_ARGS...]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (network namespace, libvirt)" >&2; exit 1; }
export ZKK_VAGRANT_VMS=$VMS ZKK_VAGRANT_CACHE=$CACHE
export VAGRANT_CWD=$HERE VAGRANT_DOTFILE_PATH=$STATE/vagrant VAGRANT_CHECKPOINT_DISABLE=1
NSX=(bash "$HERE/libvirt.sh" exec)
log() { echo "[vagrant $(date +%T)] $*" >&2; }
TIMES=()
phase_start=$(date +%s)
phase() { local now; now=$(date +%s); TIMES+=("$(printf '%-28s %5d s' "$1" $((now - phase_start)))"); phase_start=$now; }

# one run at a time on this machine (VMs, netns and libvirt are shared state)
mkdir -p "$STATE"
exec 9>/var/lock/zkk-vagrant.lock
flock -n 9 || { log "another test:vagrant run holds /var/lock/zkk-vagrant.lock; waiting"; flock 9; }

started_libvirt=0
cleanup() {
  local rc=$?
  if [ $KEEP = 0 ]; then
    log "vagrant destroy"
    t=$(date +%s)
    "${NSX[@]}" vagrant destroy -f >/dev/null 2>&1 || log "vagrant destroy failed (see: vagrant status)"
    TIMES+=("$(printf '%-28s %5d s' 'vagrant destroy' $(( $(date +%s) - t )))")
    [ $started_libvirt = 1 ] && bash "$HERE/libvirt.sh" down
  else
    log "--keep: VMs and libvirtd left running; later: (cd $ROOT && VAGRANT_DOTFILE_PATH=$STATE/vagrant ZKK_VAGRANT_VMS=$VMS bash test/vagrant/libvirt.sh exec vagrant destroy -f; bash test/vagrant/libvirt.sh down)"
  fi
  echo "== test:vagrant timings ($VMS VM(s)):"; printf '   %s\n' "${TIMES[@]}"
  exit $rc
}
trap cleanup EXIT

cd "$ROOT"
bash test/setup.sh >&2
phase 'setup (build, fixtures)'
bash "$HERE/libvirt.sh" status | grep -q '^libvirtd running' || started_libvirt=1
bash "$HERE/libvirt.sh" up
phase 'libvirt up'
bash "$HERE/build-box.sh"
phase 'box (build or cached)'
JDK=$(bash "$HERE/jdk-archive.sh")
phase 'JDK tarball'

log "vagrant up: $VMS VM(s)"
"${NSX[@]}" vagrant up --provider=libvirt 2>&1 | tr '\r' '\n' | grep -v 'Progress:' | sed 's/^/  /' >&2
phase "vagrant up ($VMS VMs)"

# --- the target description and the inventory, from vagrant ssh-config ----------------
"${NSX[@]}" vagrant ssh-config > "$STATE/ssh-config"
: > "$STATE/known_hosts"
vms_json=()
inv_hosts=()
user=; key=
for i in $(seq 1 "$VMS"); do
  vm=zkk$i
  get() { awk -v h="$vm" -v k="$1" '$1=="Host"{cur=$2} cur==h && $1==k {print $2; exit}' "$STATE/ssh-config"; }
  addr=$(get HostName); user=$(get User); key=$(get IdentityFile)
  if [ "$addr" = 127.0.0.1 ]; then
    # NAT-forwarded SSH (VirtualBox): the cluster address is the guest's 10.214.x.x one
    addr=$("${NSX[@]}" ssh -F "$STATE/ssh-config" "$vm" "ip -4 -o addr show scope global" | awk '{print $4}' | cut -d/ -f1 | grep '^10\.214\.' | head -n1)
  fi
  [ -n "$addr" ] || { echo "run.sh: no address for $vm in vagrant ssh-config" >&2; exit 1; }
  "${NSX[@]}" ssh-keyscan -T 10 "$addr" 2>/dev/null | grep -v '^#' >> "$STATE/known_hosts"
  vms_json+=("{\"name\":\"$vm\",\"address\":\"$addr\",\"domain\":\"zkk-$vm\"}")
  inv_hosts+=("  - { name: $vm, address: $addr, roles: [zookeeper, kafka] }")
done
printf '{"sshConfig":"%s","key":"%s","knownHosts":"%s","user":"%s","vms":[%s]}\n' \
  "$STATE/ssh-config" "$key" "$STATE/known_hosts" "$user" "$(IFS=,; echo "${vms_json[*]}")" > "$STATE/target.json"
. "${ZKK_FIXTURES:-/var/cache/zkk-fixtures}/versions.env"
MIRROR=${ZKK_FIXTURES:-/var/cache/zkk-fixtures}/mirror
cat > "$STATE/inventory.yml" <<EOF
# written by test/vagrant/run.sh from \`vagrant ssh-config\`: the Vagrant VMs as one cluster
cluster: vagrant
ssh: { user: $user, identityFile: $key, knownHosts: $STATE/known_hosts, config: false, hostKeyPolicy: strict }
java: { archive: $JDK }
hosts:
$(printf '%s\n' "${inv_hosts[@]}")
zookeeper: { version: $ZK_VERSION, heapMb: 128, release: { mirror: $MIRROR } }
kafka: { mode: zookeeper, version: $KAFKA3_VERSION, heapMb: 256, release: { mirror: $MIRROR } }
EOF
log "inventory: $STATE/inventory.yml"
phase 'inventory from ssh-config'

export ZKK_E2E_TARGET=vagrant ZKK_VAGRANT_TARGET=$STATE/target.json ZKK_E2E_JAVA_ARCHIVE=$JDK
if [ $SMOKE = 1 ]; then
  zkk() { "${NSX[@]}" node bin/zkk.js "$@"; }
  log "smoke: zkk deploy (cold)"
  zkk deploy "$STATE/inventory.yml" --json > "$STATE/deploy1.json" || { cat "$STATE/deploy1.json" | head -c 20000 >&2; exit 1; }
  phase 'zkk deploy (cold)'
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const bad = r.verify.filter((c) => !c.ok);
    const svc = r.hosts.flatMap((h) => h.steps.filter((s) => s.id.endsWith(".service-file")).map((s) => s.detail));
    console.log(`deploy: ${r.hosts.map((h) => `${h.name} ${h.changed} changed`).join(", ")}; verify ${r.verify.length - bad.length}/${r.verify.length}`);
    if (bad.length || !svc.every((d) => /systemd\/system/.test(d))) { console.error(JSON.stringify({ bad, svc })); process.exit(1); }
  ' "$STATE/deploy1.json"
  for i in $(seq 1 "$VMS"); do
    "${NSX[@]}" ssh -F "$STATE/ssh-config" "zkk$i" \
      'set -e; for s in zookeeper kafka; do u=$(systemctl show -p MainPID --value $s); echo "$s: $(systemctl is-active $s), enabled $(systemctl is-enabled $s), main pid $u, user $(ps -o user= -p $u)"; done' | tee "$STATE/services-zkk$i" >&2
    grep -q 'zookeeper: active, enabled enabled, .* user zookeeper' "$STATE/services-zkk$i"
    grep -q 'kafka: active, enabled enabled, .* user kafka' "$STATE/services-zkk$i"
  done
  log "smoke: zkk deploy again (expect 0 changed)"
  zkk deploy "$STATE/inventory.yml" --json > "$STATE/deploy2.json" || { head -c 20000 "$STATE/deploy2.json" >&2; exit 1; }
  phase 'zkk deploy (no-op)'
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const changed = r.hosts.flatMap((h) => h.steps.filter((s) => s.status === "changed").map((s) => `${h.name}:${s.id}`));
    const bad = r.verify.filter((c) => !c.ok);
    console.log(`re-deploy: ${changed.length} changed, verify ${r.verify.length - bad.length}/${r.verify.length}, ssh connections ${r.hosts.map((h) => h.stats.connections).join(",")}`);
    if (changed.length || bad.length) { console.error(JSON.stringify({ changed, bad })); process.exit(1); }
  ' "$STATE/deploy2.json"
  log "smoke ok: deploy verified, services are systemd units run by their users, re-deploy 0 changed"
else
  [ ${#VITEST_ARGS[@]} -gt 0 ] || VITEST_ARGS=(test/e2e/zookeeper-deploy.test.ts test/e2e/kafka.test.ts test/e2e/status.test.ts)
  rc=0
  "${NSX[@]}" npx vitest run --config test/vitest.config.ts "${VITEST_ARGS[@]}" || rc=$?
  phase 'e2e suite on the VMs'
  exit $rc
fi
