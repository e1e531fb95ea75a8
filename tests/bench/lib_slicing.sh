# Topology and routers of tests/bench/slicing; sourced, not run.
# shellcheck shell=bash disable=SC2034  # (variables used by the sourcing script)
#
#   src (10.61.1.2/24, via .1)        rtr                               dst (10.61.2.2/24, via .1)
#   eth0  <---- veth ---->  rtr-src  [ kernel + HTB | edgegw ]  rtr-dst  <---- veth ---->  eth0
#
# Three network namespaces named egw-sl<pid>-{src,rtr,dst}: unique per run, so the veth ends can keep
# fixed names inside them (they are created inside the namespaces and never appear in the root one).
# The router is either the kernel (addresses on rtr-src/rtr-dst, ip_forward, HTB on rtr-dst's egress)
# or edgegw (the rtr ends unaddressed, its net_af_packet ports on them, the daemon inside rtr).
#
# The set-up functions check every command themselves (`|| return 1`): called in a condition, where
# bash ignores set -e, they still stop at the first failure. The sourcing script sets `repo`, then
# calls slicing_init; everything it starts goes through
# slicing_spawn (or edgegw_router_up), so slicing_cleanup (the EXIT trap) can stop it, and deleting
# the namespaces then removes the veth pairs with them.
build_dir=${EDGEGW_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir="$repo/$build_dir" ;; esac
bin_dir=${EDGEGW_BIN_DIR:-$build_dir/gateway/apps}
udp_probe=${UDP_PROBE:-$build_dir/tests/bench/udp_probe}
GW_LCORES=${GW_LCORES:-0@0,1@1}  # edgegw: control lcore on CPU 0, worker on CPU 1
HTB_BURST=${HTB_BURST:-16384}    # bytes, as the slices' and shaper's burst_bytes; empty: tc's default
HTB_RPS_CPUS=${HTB_RPS_CPUS:-}   # CPUs (list) the kernel router's receive work is steered to (RPS); empty: where it arrives
ns_src="" ns_rtr="" ns_dst=""
slicing_pids=()                  # everything slicing_spawn started
gw_pid="" gw_dir="" gw_prefix="" edgegw_error=""
work=""

# slicing_init: the scratch directory and the traps.
slicing_init() {
  ns_src="egw-sl$$-src" ns_rtr="egw-sl$$-rtr" ns_dst="egw-sl$$-dst"
  gw_prefix="egw-sl$$"
  work=$(mktemp -d /tmp/edgegw-bench-slicing.XXXXXX)
  trap slicing_cleanup EXIT
  trap 'echo "interrupted" >&2; exit 130' INT TERM HUP
  trap '' PIPE
}

slicing_cleanup() {
  trap - EXIT INT TERM HUP
  edgegw_router_down
  slicing_stop_all
  slicing_topology_down
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}

# ---------------------------------------------------------------- processes
stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL (only PIDs this script started)
  local p=$1 i
  [ -n "$p" ] || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
# slicing_spawn VAR NS CPUS OUT ERR CMD...: CMD in the background in namespace NS, on CPUS (taskset
# list; empty: any), stdout to OUT, stderr to ERR; its PID goes into VAR. `ip netns exec` and taskset
# exec CMD, so the PID is CMD's own.
slicing_spawn() {
  local var=$1 ns=$2 cpus=$3 out=$4 err=$5
  shift 5
  local pin=()
  [ -z "$cpus" ] || pin=(taskset -c "$cpus")
  ip netns exec "$ns" "${pin[@]}" "$@" > "$out" 2> "$err" &
  slicing_pids+=($!)
  printf -v "$var" '%s' "$!"
}
# slicing_wait PID TIMEOUT_S: waits for PID; after TIMEOUT_S it is stopped and 1 returned.
slicing_wait() {
  local i
  local i rc=0
  for i in $(seq $(($2 * 10))); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1" 2>/dev/null || rc=$?
      slicing_forget "$1"
      return "$rc"
    fi
    sleep 0.1
  done
  echo "pid $1 still running after $2 s: stopped" >&2
  stop_pid "$1"
  slicing_forget "$1"
  return 1
}
slicing_forget() {  # a PID that was waited for leaves the list (it may be reused later)
  local p keep=()
  for p in "${slicing_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  slicing_pids=("${keep[@]}")
}
slicing_stop_all() {
  local p
  for p in "${slicing_pids[@]}"; do stop_pid "$p"; done
  slicing_pids=()
}

# ---------------------------------------------------------------- topology
slicing_topology_up() {
  slicing_topology_down
  local ns
  for ns in "$ns_src" "$ns_rtr" "$ns_dst"; do
    ip netns add "$ns" || return 1
    ip -n "$ns" link set lo up || return 1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
  done
  ip link add rtr-src netns "$ns_rtr" type veth peer name eth0 netns "$ns_src" || return 1
  ip link add rtr-dst netns "$ns_rtr" type veth peer name eth0 netns "$ns_dst" || return 1
  ip -n "$ns_src" addr add 10.61.1.2/24 dev eth0 || return 1
  ip -n "$ns_dst" addr add 10.61.2.2/24 dev eth0 || return 1
  for ns in "$ns_src" "$ns_dst"; do
    # veth would hand af_packet frames with partial checksums (same for both routers)
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null || return 1
    ip -n "$ns" link set eth0 up || return 1
  done
  ip -n "$ns_rtr" link set rtr-src up || return 1
  ip -n "$ns_rtr" link set rtr-dst up || return 1
  ip -n "$ns_src" route add default via 10.61.1.1 || return 1
  ip -n "$ns_dst" route add default via 10.61.2.1 || return 1
}

# Idempotent: processes still inside the namespaces (all started by this run: the names are ours) are
# killed by PID, then the namespaces go and their veth pairs with them.
slicing_topology_down() {
  local ns p
  for ns in "$ns_src" "$ns_rtr" "$ns_dst"; do
    if [ -z "$ns" ] || [ ! -e "/run/netns/$ns" ]; then continue; fi
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  for ns in "$ns_src" "$ns_rtr" "$ns_dst"; do
    [ -z "$ns" ] || [ ! -e "/run/netns/$ns" ] || echo "warning: namespace $ns still there" >&2
  done
}

# ---------------------------------------------------------------- the kernel router with HTB
# htb_router_up RATE_MBIT URLLC_MBIT BULK_MBIT
htb_router_up() {
  local rate=$1 urllc=$2 bulk=$3 b=()
  [ -z "$HTB_BURST" ] || b=(burst "$HTB_BURST" cburst "$HTB_BURST")
  ip -n "$ns_rtr" addr add 10.61.1.1/24 dev rtr-src || return 1
  ip -n "$ns_rtr" addr add 10.61.2.1/24 dev rtr-dst || return 1
  ip netns exec "$ns_rtr" sysctl -qw net.ipv4.ip_forward=1 || return 1
  local tc=(tc -n "$ns_rtr")
  "${tc[@]}" qdisc add dev rtr-dst root handle 1: htb default 20 || return 1
  "${tc[@]}" class add dev rtr-dst parent 1: classid 1:1 htb rate "${rate}mbit" ceil "${rate}mbit" "${b[@]}" quantum 1514 || return 1
  # quantum (DRR among classes of one priority; these two differ) one frame, not rate/r2q
  "${tc[@]}" class add dev rtr-dst parent 1:1 classid 1:10 htb rate "${urllc}mbit" ceil "${rate}mbit" "${b[@]}" prio 0 quantum 1514 || return 1
  "${tc[@]}" class add dev rtr-dst parent 1:1 classid 1:20 htb rate "${bulk}mbit" ceil "${rate}mbit" "${b[@]}" prio 1 quantum 1514 || return 1
  # the leaves hold as many packets as edgegw's slice queues
  "${tc[@]}" qdisc add dev rtr-dst parent 1:10 handle 10: pfifo limit 256 || return 1
  "${tc[@]}" qdisc add dev rtr-dst parent 1:20 handle 20: pfifo limit 512 || return 1
  # DSCP 46 (EF): TOS byte 0xb8 under the mask 0xfc (ECN bits ignored)
  "${tc[@]}" filter add dev rtr-dst parent 1: protocol ip prio 1 u32 match ip dsfield 0xb8 0xfc flowid 1:10 || return 1
  if [ -n "$HTB_RPS_CPUS" ]; then
    # forwarding, HTB enqueue and (mostly) dequeue then run on these CPUs, off the senders' CPU
    local mask=0 c
    for c in ${HTB_RPS_CPUS//,/ }; do mask=$((mask | (1 << c))); done
    ip netns exec "$ns_rtr" sh -c "printf '%x' $mask > /sys/class/net/rtr-src/queues/rx-0/rps_cpus" || return 1
  fi
}
htb_class_stats() { tc -n "$ns_rtr" -s class show dev rtr-dst; }
htb_qdisc_stats() { tc -n "$ns_rtr" -s qdisc show dev rtr-dst; }
# one line per class: "1:10 sent <bytes> B <pkts> pkt dropped <n> overlimits <n>"
htb_class_summary() {
  htb_class_stats | awk '/^class htb/ { c = $3 } /Sent/ && c != "" { printf "%s sent %s B %s pkt dropped %s overlimits %s\n", c, $2, $4, $7 + 0, $9 + 0; c = "" }'
}

# ---------------------------------------------------------------- edgegw as the router
edgegw_ports_up() {  # the rtr ends stay unaddressed: the gateway's af_packet ports use them
  ip -n "$ns_rtr" addr flush dev rtr-src || return 1
  ip -n "$ns_rtr" addr flush dev rtr-dst || return 1
  ip -n "$ns_rtr" link set rtr-src up || return 1
  ip -n "$ns_rtr" link set rtr-dst up || return 1
}

# edgegw_write_site RATE_MBIT URLLC_MBIT BULK_MBIT FILE: the site config.
edgegw_write_site() {
  local rate_kbit=$(($1 * 1000)) urllc_kbit=$(($2 * 1000)) bulk_kbit=$(($3 * 1000))
  # ---- SLICE CONFIG (the slice schema is still being built: adjust this heredoc if it changes) ----
  cat > "$4" <<JSON
{ "version": 2,
  "description": "tests/bench/slicing: two routed subnets, the dst-side port shaped, urllc and bulk slices",
  "ports": [ {"name":"a","kind":"af_packet","iface":"rtr-src"},
             {"name":"b","kind":"af_packet","iface":"rtr-dst","shaper":{"rate_kbit": $rate_kbit, "burst_bytes": 16384, "overhead_bytes": 0}} ],
  "networks": [
    { "name": "src", "mode": "routed", "ports": ["a"], "subnet": "10.61.1.0/24", "gateway": "10.61.1.1" },
    { "name": "dst", "mode": "routed", "ports": ["b"], "subnet": "10.61.2.0/24", "gateway": "10.61.2.1" } ],
  "slices": [
    {"name":"control","class":"urllc","priority":0,"guaranteed_kbit": $urllc_kbit,"burst_bytes":16384,"queue":{"packets":256,"drop":"tail"},"latency_budget_us":100,"match":[{"dscp":[46]}]},
    {"name":"bulk","class":"embb","priority":1,"guaranteed_kbit": $bulk_kbit,"queue":{"packets":512,"drop":"tail"},"default":true}
  ] }
JSON
  # ---- end of SLICE CONFIG ----
}

edgegwctl() { "$bin_dir/edgegwctl" --socket "$gw_dir/run/ctl.sock" "$@"; }

# edgegw_router_up RATE_MBIT URLLC_MBIT BULK_MBIT: the daemon inside rtr with the site config as its
# desired config; returns once it is ready and runs that config. On failure returns 1 with the reason
# in edgegw_error (the daemon is stopped again). Not in a subshell: it sets gw_pid.
edgegw_router_up() {
  edgegw_error=""
  edgegw_ports_up || { edgegw_error="the rtr veth ends could not be prepared"; return 1; }
  gw_dir="$work/edgegw"
  rm -rf "$gw_dir"; mkdir -p "$gw_dir"
  if [ -n "${EDGEGW_SITE:-}" ]; then  # a site config of one's own (ports on rtr-src and rtr-dst)
    cp "$EDGEGW_SITE" "$gw_dir/site.json" || { edgegw_error="cannot read EDGEGW_SITE $EDGEGW_SITE"; return 1; }
  else
    edgegw_write_site "$1" "$2" "$3" "$gw_dir/site.json"
  fi
  local idle=""  # GW_IDLE_SPINS: empty polls before the worker naps (bootstrap dataplane.idle_spins)
  [ -z "${GW_IDLE_SPINS:-}" ] || idle=", \"idle_spins\": $GW_IDLE_SPINS"
  cat > "$gw_dir/edgegw.json" <<JSON
{ "node_id": "bench-slicing", "state_dir": "$gw_dir/state", "run_dir": "$gw_dir/run",
  "management": { "http_listen": "127.0.0.1:0" }, "desired_config_file": "$gw_dir/site.json",
  "dataplane": { "lcores": "$GW_LCORES", "memory_mb": 1024, "no_huge": true, "no_pci": true,
                 "file_prefix": "$gw_prefix"$idle } }
JSON
  ip netns exec "$ns_rtr" taskset -c "0-$(($(nproc) - 1))" "$bin_dir/edgegw" --config "$gw_dir/edgegw.json" > "$gw_dir/edgegw.out" 2> "$gw_dir/edgegw.log" &
  gw_pid=$!
  local i
  for i in $(seq 600); do
    grep -q "msg=ready" "$gw_dir/edgegw.log" 2>/dev/null && break
    if ! kill -0 "$gw_pid" 2>/dev/null; then
      local rc=0
      wait "$gw_pid" 2>/dev/null || rc=$?
      gw_pid=""
      rm -rf "/var/run/dpdk/$gw_prefix"
      local sig=""
      [ "$rc" -le 128 ] || sig=" (SIG$(kill -l $((rc - 128)) 2>/dev/null))"
      edgegw_error="edgegw exited at start with status $rc$sig; its last words: $(grep -v '^$' "$gw_dir/edgegw.log" | tail -1 | cut -c1-300)"
      return 1
    fi
    sleep 0.1
  done
  if ! grep -q "msg=ready" "$gw_dir/edgegw.log"; then
    edgegw_error="edgegw not ready after 60 s"
    edgegw_router_down
    return 1
  fi
  # the desired config is applied before `ready` (when its version is newer than the stored one); a
  # refused one leaves another version active
  local active
  active=$(edgegwctl --json config show 2>/dev/null) || active=null
  if ! jq -e --argjson a "${active:-null}" --arg f "$gw_dir/site.json" '
        $a.meta.actor == $f and $a.meta.status == "applied" and $a.document.version == .version
        and ([$a.document.slices[]?.name] | sort) == ([.slices[]?.name] | sort)
        and [$a.document.ports[]? | select(.name == "b") | .shaper.rate_kbit] == [.ports[] | select(.name == "b") | .shaper.rate_kbit]' \
        "$gw_dir/site.json" >/dev/null 2>&1; then
    local why
    why=$(edgegwctl config apply "$gw_dir/site.json" 2>&1 | tr '\n' ' ' | tr -s ' ' | cut -c1-400)
    [ -n "$why" ] || why=$(grep -E 'level=(warn|error)' "$gw_dir/edgegw.log" | tail -2 | tr '\n' ' ' | cut -c1-400)
    edgegw_error="the gateway does not run the slices config: ${why:-active config differs (edgegwctl config show)}"
    edgegw_router_down
    return 1
  fi
}

edgegw_router_down() {
  [ -n "$gw_pid" ] || return 0
  local p=$gw_pid _
  gw_pid=""
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  rm -rf "/var/run/dpdk/$gw_prefix"
}
