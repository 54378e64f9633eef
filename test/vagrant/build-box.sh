#!/usr/bin/env bash
# build-box.sh — build the offline Debian 12 box "zkk/debian12" for vagrant-libvirt from
# Debian packages alone (debootstrap from the mirror apt already uses; nothing else is
# downloaded) and register it with `vagrant box add`.
#
# The guest: systemd as PID 1, linux-image-amd64, openssh-server, sudo, systemd-networkd
# doing DHCP on every wired interface, user "vagrant" (NOPASSWD sudo) whose
# authorized_keys holds the test key $CACHE/id_ed25519.pub. The disk is one ext4
# filesystem (no partition table, no bootloader): the box's own Vagrantfile boots the
# kernel and initrd shipped inside the box (direct kernel boot), root=/dev/vda.
#
# Cached in $ZKK_VAGRANT_CACHE (default /var/cache/zkk-vagrant, never in the repo): the
# inputs (this script, the Debian mirror and suite) are hashed; with an unchanged hash
# and the box registered, nothing is rebuilt (~0.1 s). --force rebuilds anyway.
#
# Needs (as root): debootstrap, qemu-utils, e2fsprogs, vagrant, libvirt running
# (libvirt.sh up) only for removing the old box's volume from the storage pool.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ZKK_VAGRANT_CACHE:-/var/cache/zkk-vagrant}
BOX=${ZKK_VAGRANT_LOCAL_BOX:-zkk/debian12}
POOL=${ZKK_VAGRANT_POOL:-zkk-vagrant}
SUITE=bookworm
PACKAGES=systemd-sysv,udev,dbus,linux-image-amd64,initramfs-tools,openssh-server,sudo,iproute2,procps
FORCE=0; [ "${1:-}" = --force ] && FORCE=1
log() { echo "[box $(date +%T)] $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "build-box.sh: run as root (debootstrap, chroot)" >&2; exit 1; }

# The mirror apt uses (deb822 or one-line sources), so the guest comes from the same place.
mirror() {
  local m
  m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)
mkdir -p "$CACHE"
[ -f "$CACHE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C zkk-vagrant-test -f "$CACHE/id_ed25519"
KEY_PUB=$(cat "$CACHE/id_ed25519.pub")
INPUTS=$(printf '%s\n' "$(sha256sum < "$0")" "$MIRROR" "$SUITE" "$PACKAGES" "$KEY_PUB" | sha256sum | cut -c1-16)
STAMP=$CACHE/box.stamp
registered() { vagrant box list 2>/dev/null | grep -q "^$BOX "; }

if [ $FORCE = 0 ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$INPUTS" ] && [ -f "$CACHE/box/box.img" ] && registered; then
  log "box $BOX is current (inputs $INPUTS): nothing to build"
  exit 0
fi

t0=$(date +%s)
if [ $FORCE = 1 ] || [ "$(cat "$CACHE/image.stamp" 2>/dev/null)" != "$INPUTS" ] || [ ! -f "$CACHE/box/box.img" ]; then
  command -v debootstrap >/dev/null && command -v qemu-img >/dev/null || {
    log "apt-get install debootstrap qemu-utils"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap qemu-utils e2fsprogs >&2
  }
  ROOT=$CACHE/rootfs
  rm -rf "$ROOT" "$CACHE/box"; mkdir -p "$CACHE/box"
  log "debootstrap $SUITE from $MIRROR"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
  t1=$(date +%s)

  echo zkk-box > "$ROOT/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 zkk-box\n' > "$ROOT/etc/hosts"
  printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' > "$ROOT/etc/fstab"
  # DHCP on every wired interface; networkd brings it up without ifupdown
  mkdir -p "$ROOT/etc/systemd/network"
  printf '[Match]\nName=en* eth*\n[Network]\nDHCP=ipv4\n[DHCPv4]\nUseDomains=true\n' > "$ROOT/etc/systemd/network/50-dhcp.network"
  chroot "$ROOT" systemctl enable systemd-networkd >/dev/null 2>&1
  # do not wait for "every link online" at boot (would add up to 2 min when a NIC has no lease)
  chroot "$ROOT" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true

  # sshd: keys only, no DNS lookups (guests have no resolver)
  printf 'PasswordAuthentication no\nUseDNS no\n' > "$ROOT/etc/ssh/sshd_config.d/zkk-vagrant.conf"
  # host keys made at first boot, so every VM has its own
  rm -f "$ROOT"/etc/ssh/ssh_host_*
  mkdir -p "$ROOT/etc/systemd/system/ssh.service.d"
  printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' > "$ROOT/etc/systemd/system/ssh.service.d/hostkeys.conf"

  chroot "$ROOT" useradd -m -s /bin/bash vagrant
  install -d -m 700 "$ROOT/home/vagrant/.ssh"
  echo "$KEY_PUB" > "$ROOT/home/vagrant/.ssh/authorized_keys"
  # Vagrant's well-known public key too, so plain `vagrant ssh` habits work
  for k in /usr/share/vagrant/keys/vagrant.pub /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub; do
    [ -f "$k" ] && { cat "$k" >> "$ROOT/home/vagrant/.ssh/authorized_keys"; break; }
  done
  chmod 600 "$ROOT/home/vagrant/.ssh/authorized_keys"
  chroot "$ROOT" chown -R vagrant:vagrant /home/vagrant/.ssh
  echo 'vagrant ALL=(ALL) NOPASSWD:ALL' > "$ROOT/etc/sudoers.d/vagrant"; chmod 440 "$ROOT/etc/sudoers.d/vagrant"
  chroot "$ROOT" passwd -d root >/dev/null   # console login for debugging; ssh refuses passwords

  # each clone gets its own machine-id (and so its own DHCP client id)
  : > "$ROOT/etc/machine-id"; rm -f "$ROOT/var/lib/dbus/machine-id"
  chroot "$ROOT" apt-get clean
  rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*

  cp -L "$ROOT/vmlinuz" "$CACHE/box/vmlinuz"; cp -L "$ROOT/initrd.img" "$CACHE/box/initrd.img"
  chmod 644 "$CACHE/box/vmlinuz" "$CACHE/box/initrd.img"
  rm -f "$CACHE/disk.raw"; truncate -s 8G "$CACHE/disk.raw"
  mkfs.ext4 -q -L zkkroot -d "$ROOT" "$CACHE/disk.raw"
  qemu-img convert -f raw -O qcow2 "$CACHE/disk.raw" "$CACHE/box/box.img"
  rm -rf "$CACHE/disk.raw" "$ROOT"
  echo "$INPUTS" > "$CACHE/image.stamp"
  log "image built: debootstrap $((t1 - t0)) s, rest $(( $(date +%s) - t1 )) s, $(du -h "$CACHE/box/box.img" | cut -f1)"
fi

t2=$(date +%s)
# A libvirt box (format v1): metadata.json + a Vagrantfile merged under the user's + box.img.
# Kernel and initrd ride in the box; its Vagrantfile finds them next to itself.
printf '{"provider":"libvirt","format":"qcow2","virtual_size":8}\n' > "$CACHE/box/metadata.json"
cat > "$CACHE/box/Vagrantfile" <<'EOF'
# zkk/debian12 (built by zkk's test/vagrant/build-box.sh): no bootloader in the image,
# so boot the kernel and initrd that ship beside this file.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.disk_bus = "virtio"
    lv.kernel = File.join(File.dirname(__FILE__), "vmlinuz")
    lv.initrd = File.join(File.dirname(__FILE__), "initrd.img")
    lv.cmd_line = "root=/dev/vda rw console=ttyS0 quiet"
  end
end
EOF
# plain tar: gzip of the image would cost a minute on 2 cores for little gain
tar -C "$CACHE/box" -cf "$CACHE/zkk-debian12.box" metadata.json Vagrantfile box.img vmlinuz initrd.img
if registered; then vagrant box remove --force --all "$BOX" >/dev/null 2>&1 || true; fi
# vagrant-libvirt keeps its upload of the old image in the pool: drop it so the new one is used
if virsh -c qemu:///system pool-info "$POOL" >/dev/null 2>&1; then
  for v in $(virsh -c qemu:///system vol-list "$POOL" 2>/dev/null | awk 'NR>2 && $1 ~ /^zkk-VAGRANTSLASH-debian12/ {print $1}'); do
    virsh -c qemu:///system vol-delete --pool "$POOL" "$v" >/dev/null || true
  done
fi
vagrant box add --force --name "$BOX" "$CACHE/zkk-debian12.box" >&2
rm -f "$CACHE/zkk-debian12.box"   # vagrant keeps its own copy
echo "$INPUTS" > "$STAMP"
log "box $BOX registered in $(( $(date +%s) - t2 )) s (total $(( $(date +%s) - t0 )) s)"
