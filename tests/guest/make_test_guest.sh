#!/usr/bin/env bash
# Builds the tiny test guest from Debian packages: the linux-image-amd64 kernel and an initramfs with
# busybox-static and the virtio-net modules. Its init loads the modules (in dependency order), brings
# eth0 up, asks for an address by DHCP and reports on the serial console:
#   EDGEGW-GUEST up ip=<address or none> mac=<eth0's MAC>
# then keeps a shell on the console. Usage: make_test_guest.sh OUT_DIR  (writes vmlinuz, initramfs.gz)
set -euo pipefail
out=${1:?usage: make_test_guest.sh OUT_DIR}
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
version=${kernel#/boot/vmlinuz-}
modules=/lib/modules/$version/kernel
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,lib/modules,usr/share/udhcpc}
cp /usr/bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"  # init installs the other applets
# Load order of the virtio-net stack (each needs the ones before it).
order="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
       drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/core/failover
       drivers/net/net_failover drivers/net/virtio_net"
for m in $order; do cp "$modules/$m.ko" "$root/lib/modules/"; done
echo "$order" | tr ' ' '\n' | sed -n 's#.*/##p' > "$root/lib/modules/order"

cat > "$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}"
    echo "$ip" > /tmp/ip ;;
esac
exit 0
SCRIPT
chmod +x "$root/usr/share/udhcpc/default.script"

cat > "$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko; done
ip link set lo up
ip link set eth0 up 2>/dev/null
udhcpc -i eth0 -s /usr/share/udhcpc/default.script -t 5 -T 1 -n -q >/dev/null 2>&1
echo "EDGEGW-GUEST up ip=$(cat /tmp/ip 2>/dev/null || echo none) mac=$(cat /sys/class/net/eth0/address 2>/dev/null)"
exec sh </dev/console >/dev/console 2>&1
INIT
chmod +x "$root/init"

mkdir -p "$out"
cp "$kernel" "$out/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.gz"
echo "$out/vmlinuz $out/initramfs.gz (kernel $version)"
