#!/usr/bin/env bash
# The README's main command, run for a few seconds: the site comes up, traffic crosses the DPDK
# bridge, status is printed from the CLI and the HTTP endpoint, and everything is removed after.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:?usage: demo_test.sh BUILD_DIR}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

EDGEGW_BUILD_DIR=$build_dir EDGEGW_SKIP_BUILD=1 EDGEGW_DEMO_SECONDS=1 EDGEGW_DEMO_HTTP=127.0.0.1:0 \
  timeout 300 "$repo/scripts/demo" > "$out" 2>&1
rc=$?
cat "$out"
fail=0
check() {  # check DESCRIPTION PATTERN
  if grep -qE "$2" "$out"; then echo "ok: $1"; else echo "FAILED: $1 (no /$2/ in the output)"; fail=1; fi
}
[ "$rc" -eq 0 ] || { echo "FAILED: scripts/demo exited $rc"; fail=1; }
check "ping crosses the bridge" "5 packets transmitted, 5 received, 0% packet loss"
check "TCP transfer intact" "sha256 matches on both ends"
check "edgegwctl status printed" "^edgegw 0\.1\.0  node edgegw-demo"
check "both ports up" "^uplink +[a-z]+ +site +up"
check "status endpoint answered" "\"node_id\": \"edgegw-demo\""
check "guests got DHCP addresses" "vm1 booted, DHCP address 192\.168\.122\.[0-9]+; vm2 booted, DHCP address 192\.168\.122\.[0-9]+"
check "a guest reached the uplink host through NAT" "^   hello from the uplink host"
check "guests listed running" "^vm2 +running"
check "cleanup ran" "^done$"
for leftover in "ip netns list | grep -E '^egw-(uplink|lanhost)'" "ip -o link show | grep -E ': egw-(up|lan)[:@]'"; do
  if sh -c "$leftover" >/dev/null; then echo "FAILED: left behind: $leftover"; fail=1; fi
done
if ls -d /tmp/edgegw-demo.* 2>/dev/null | grep -q .; then echo "FAILED: state dir left behind"; fail=1; fi
if pgrep -f "guest=vm[12],.*edgegw-demo" >/dev/null; then echo "FAILED: a guest QEMU was left running"; fail=1; fi
exit $fail
