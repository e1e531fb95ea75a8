# Shared by the vhost-user benchmarks (tests/bench/switch, tests/bench/nat); sourced, not run.
#
# Every forwarder polls the same two vhost-user ports (DPDK net_vhost, server side) with ONE worker
# thread pinned to CPU $FWD_CPU. The generator is a separate dpdk-testpmd on CPU $GEN_CPU, acting as
# the guests: net_pcap sources io-forwarded into net_virtio_user ports connected to the forwarder's
# sockets; what comes back is io-forwarded into the pcap ports' tx.
#
#   generator (CPU GEN_CPU)                         forwarder (worker on CPU FWD_CPU)
#   pcap0 (a.pcap) <-> virtio_user0 == a.sock == port a --+
#   pcap1 (b.pcap) <-> virtio_user1 == b.sock == port b --+  forward between a and b
#
# The forwarders' main/control threads are confined to GEN_CPU: they are idle while forwarding, and
# keeping them off FWD_CPU leaves the measured CPU to the worker alone.
#
# The sourcing script runs from the repository root, sets `repo`, then calls vhost_bench_init and
# defines the hooks run_matrix calls:
#   make_pcaps DIR SIZE FLOWS        writes DIR/a.pcap and DIR/b.pcap
#   start_gen_for DIR FLOWS          start_gen with the pcap ports' devargs
#   start_fwd KIND                   starts a forwarder (sets fwd_kind, fwd_pid, sock_a, sock_b)
#   warm_up KIND FLOWS               returns once the forwarder is ready to be measured
#   mark_begin / mark_end            bracket the window; mark_end prints
#                                    "<cycles/packet> <cputime cycles/packet> <packets> <method>"
# Hooks may leave lines in $work/row_notes: they are printed under the row of the measurement.
build_dir=${EDGEGW_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir="$repo/$build_dir" ;; esac
bin_dir=${EDGEGW_BIN_DIR:-$build_dir/gateway/apps}
ROUNDS=${ROUNDS:-5}
WINDOW=${WINDOW:-4}
WARMUP=${WARMUP:-2}
FWD_CPU=${FWD_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
gen_mem_mb=320      # generator memory and mbufs; a script replaying large pcaps raises them
gen_mbufs=40960
gen_extra_args=()  # more testpmd options for the generator
hz_ticks=$(getconf CLK_TCK)
tsc_hz=""
fwd_pid="" fwd_aux_pid="" gen_pid="" fwd_kind=""
sock_a="" sock_b=""

# vhost_bench_init TAG WORKNAME: the DPDK file-prefix tag and the scratch directory; cleanup on exit.
vhost_bench_init() {
  tag=$1
  work=$(mktemp -d "/tmp/edgegw-bench-$2.XXXXXX")
  trap cleanup EXIT
  trap 'echo "interrupted" >&2; exit 130' INT TERM
  trap '' PIPE
}

# vhost_install_prereqs [PKG...]: installs the generator's and the figures' tools plus PKGs.
vhost_install_prereqs() {
  local need_pkgs=()
  [ -x /usr/bin/dpdk-testpmd ] || need_pkgs+=(dpdk)
  /usr/bin/python3 -c 'import scapy' 2>/dev/null || need_pkgs+=(python3-scapy)
  command -v jq >/dev/null || need_pkgs+=(jq)
  need_pkgs+=("$@")
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}" >/dev/null
  fi
}

# ---------------------------------------------------------------- process bookkeeping and cleanup
stop_pid() {  # stop_pid PID: TERM, wait up to 5 s, then KILL
  local p=$1 i
  [ -n "$p" ] || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
stop_gen() {
  exec 4>&- || true
  stop_pid "$gen_pid"; gen_pid=""
  rm -rf /var/run/dpdk/"${tag}gen"
}
stop_fwd() {  # the forwarder, then its companion process (ovsdb-server) if it has one
  exec 5>&- || true
  stop_pid "$fwd_pid"; fwd_pid=""
  stop_pid "$fwd_aux_pid"; fwd_aux_pid=""
  rm -rf /var/run/dpdk/"${tag}fwd" "$work/fwd"
}
cleanup() {
  trap - EXIT INT TERM
  stop_gen
  stop_fwd
  rm -rf "$work" /var/run/dpdk/"${tag}"*
}

# ---------------------------------------------------------------- helpers
median() { grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wait_for() {  # wait_for FILE PATTERN COUNT TIMEOUT_S: until PATTERN occurs COUNT times in FILE
  local i
  for i in $(seq $(($4 * 10))); do
    local c; c=$(grep -c -- "$2" "$1" 2>/dev/null || true)
    [ "${c:-0}" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "timeout waiting for '$2' x$3 in $1" >&2
  return 1
}
thread_ticks() {  # thread_ticks PID COMM_REGEX: utime+stime (clock ticks) of the first matching thread
  local t
  for t in /proc/"$1"/task/*; do
    if grep -Eq "$2" "$t/comm" 2>/dev/null; then awk '{ print $14 + $15 }' "$t/stat"; return 0; fi
  done
  echo 0
}
cpu_of_ticks() {  # cycles/packet from CPU ticks and packets
  awk -v t="$1" -v hz="$hz_ticks" -v tsc="$tsc_hz" -v p="$2" 'BEGIN { if (p > 0) printf "%.1f", t / hz * tsc / p; else print "nan" }'
}
worker_tid() {  # worker_tid COMM_REGEX: the forwarder's busy thread
  local t
  for t in /proc/"$fwd_pid"/task/*; do
    if grep -Eq "$1" "$t/comm" 2>/dev/null; then basename "$t"; return 0; fi
  done
}

testpmd_start_forwarding() {  # testpmd_start_forwarding LOG FD: at the prompt, `start` through FD
  wait_for "$1" "testpmd>" 1 60
  echo "start" >&"$2"
  wait_for "$1" "forwards packets on" 1 20
}

# ---------------------------------------------------------------- generator
gen_shows=0
start_gen() {  # start_gen SOCK_A SOCK_B PCAP0_ARGS PCAP1_ARGS (net_pcap devargs after the name)
  rm -f "$work/gen.fifo"; mkfifo "$work/gen.fifo"
  stdbuf -oL dpdk-testpmd --no-huge --legacy-mem -m "$gen_mem_mb" --no-pci --file-prefix="${tag}gen" \
    --lcores "0@$GEN_CPU,1@$GEN_CPU" \
    --vdev="net_pcap0,$3" \
    --vdev="net_virtio_user0,path=$1,queues=1" \
    --vdev="net_pcap1,$4" \
    --vdev="net_virtio_user1,path=$2,queues=1" -- \
    -i --forward-mode=io --total-num-mbufs="$gen_mbufs" "${gen_extra_args[@]}" < "$work/gen.fifo" > "$work/gen.log" 2>&1 &
  gen_pid=$!
  exec 4> "$work/gen.fifo"
  gen_shows=0
  testpmd_start_forwarding "$work/gen.log" 4
}
gen_show() {  # prints the Rx-pps summed over the virtio_user ports (1 and 3) since the previous show
  gen_shows=$((gen_shows + 1))
  echo "show port stats all" >&4
  wait_for "$work/gen.log" "Tx-pps:" $((gen_shows * 4)) 20
  awk '/NIC statistics for port/ { p = $(NF - 1) } /Rx-pps:/ { r[p] = $2 } END { printf "%.4f\n", (r[1] + r[3]) / 1e6 }' "$work/gen.log"
}

# ---------------------------------------------------------------- edgegw
# start_edgegw NETWORKS_JSON: the daemon on vhost ports a and b with the given "networks" array.
start_edgegw() {
  local d="$work/fwd"; mkdir -p "$d"
  sock_a="$d/a.sock" sock_b="$d/b.sock"
  cat > "$d/edgegw.json" <<JSON
{ "node_id": "bench", "state_dir": "$d/state", "run_dir": "$d/run",
  "management": { "http_listen": "127.0.0.1:0" }, "desired_config_file": "$d/site.json",
  "dataplane": { "lcores": "0@$GEN_CPU,1@$FWD_CPU", "memory_mb": 256, "no_huge": true, "no_pci": true,
                 "file_prefix": "${tag}fwd", "mbufs": 32767 } }
JSON
  cat > "$d/site.json" <<JSON
{ "version": 2,
  "ports": [ { "name": "a", "kind": "vdev", "devargs": "net_vhost_a,iface=$sock_a,queues=1" },
             { "name": "b", "kind": "vdev", "devargs": "net_vhost_b,iface=$sock_b,queues=1" } ],
  "networks": $1 }
JSON
  "$bin_dir/edgegw" --config "$d/edgegw.json" 2> "$d/edgegw.log" &
  fwd_pid=$!
  wait_for "$d/edgegw.log" "msg=ready" 1 60
  tsc_hz=$(sed -n 's/.*msg=started.* tsc_hz=\([0-9]*\).*/\1/p' "$d/edgegw.log" | head -1)
}
edgegwctl() { EDGEGW_CTL_SOCKET="$work/fwd/run/ctl.sock" "$bin_dir/edgegwctl" "$@"; }
edgegw_sample() {  # "<rx packets> <busy_cycles> <busy_packets> <worker ticks>"
  local s
  s=$(edgegwctl --json status)
  echo "$(jq '[.ports[].rx_packets] | add' <<<"$s") $(jq '.dataplane.busy_cycles // -1' <<<"$s") $(jq '.dataplane.busy_packets // -1' <<<"$s") $(thread_ticks "$fwd_pid" 'worker-1$')"
}
edgegw_mark_end() {  # edgegw_mark_end BEGIN_SAMPLE: the mark_end line from the daemon's counters
  local e rx0 bc0 bp0 t0 rx1 bc1 bp1 t1
  e=$(edgegw_sample)
  read -r rx0 bc0 bp0 t0 <<<"$1"
  read -r rx1 bc1 bp1 t1 <<<"$e"
  local cput; cput=$(cpu_of_ticks $((t1 - t0)) $((rx1 - rx0)))
  if [ "$bc1" -ge 0 ] && [ "$bp1" -gt "$bp0" ]; then
    echo "$(awk -v c=$((bc1 - bc0)) -v p=$((bp1 - bp0)) 'BEGIN { printf "%.1f", c / p }') $cput $((rx1 - rx0)) busy_counters"
  else
    echo "$cput $cput $((rx1 - rx0)) cputime"
  fi
}

# ---------------------------------------------------------------- testpmd as the forwarder
fwd_shows=0
start_testpmd() {  # start_testpmd io|macswap
  local d="$work/fwd"; mkdir -p "$d"
  sock_a="$d/a.sock" sock_b="$d/b.sock"
  rm -f "$d/fwd.fifo"; mkfifo "$d/fwd.fifo"
  stdbuf -oL dpdk-testpmd --no-huge -m 256 --no-pci --file-prefix="${tag}fwd" --lcores "0@$GEN_CPU,1@$FWD_CPU" \
    --vdev="net_vhost0,iface=$sock_a,queues=1" --vdev="net_vhost1,iface=$sock_b,queues=1" -- \
    -i --forward-mode="$1" --record-core-cycles --total-num-mbufs=32767 < "$d/fwd.fifo" > "$d/testpmd.log" 2>&1 &
  fwd_pid=$!
  exec 5> "$d/fwd.fifo"
  fwd_shows=0
  testpmd_start_forwarding "$d/testpmd.log" 5
}
testpmd_mark_begin() {  # prints the worker's CPU ticks at the start of the window
  echo "clear fwd stats all" >&5
  thread_ticks "$fwd_pid" 'worker-1$'
}
testpmd_mark_end() {  # testpmd_mark_end BEGIN_TICKS: the mark_end line from --record-core-cycles
  local t1; t1=$(thread_ticks "$fwd_pid" 'worker-1$')
  fwd_shows=$((fwd_shows + 1))
  echo "show fwd stats all" >&5
  local log="$work/fwd/testpmd.log"
  wait_for "$log" "CPU cycles/packet=" "$fwd_shows" 20
  [ -n "$tsc_hz" ] || tsc_hz=$(sed -n 's/.* at \([0-9]*\) MHz Clock.*/\1/p' "$log" | head -1)000000
  local cpp pk
  cpp=$(grep -o 'CPU cycles/packet=[0-9.]*' "$log" | tail -1 | cut -d= -f2)
  pk=$(grep -o 'total [a-z]* packets=[0-9]*' "$log" | tail -1 | cut -d= -f2)
  echo "$cpp $(cpu_of_ticks $((t1 - $1)) "$pk") $pk record_core_cycles"
}

# ---------------------------------------------------------------- the matrix
# run_matrix FLOWS_LABEL FLOWS_LIST FORWARDER...: per (size, flows, round) every forwarder started
# afresh, warmed up and measured over WINDOW s, the order of the forwarders rotating every round.
# Rows go to $results: size flows round forwarder mpps cpp cputime_cpp packets method.
# PERF_DIR (env, unset by default): perf-record the forwarder's worker thread over each window.
results=""
run_matrix() {
  local label=$1 flows_list=$2
  shift 2
  local fwd_list=("$@") size flows round k fwd t_m m mpps cpp cput pk method pdir
  local n=${#fwd_list[@]}
  results="$work/results"
  : > "$results"
  local model; model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
  echo "machine: $(nproc) CPUs, $model; forwarder worker on CPU $FWD_CPU, generator on CPU $GEN_CPU"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  local t_start; t_start=$(date +%s)
  for size in $SIZES; do
    for flows in $flows_list; do
      pdir="$work/pcap-$size-$flows"; mkdir -p "$pdir"
      make_pcaps "$pdir" "$size" "$flows"
      for round in $(seq "$ROUNDS"); do
        for k in $(seq 0 $((n - 1))); do
          fwd=${fwd_list[$(((k + round - 1) % n))]}
          t_m=$(date +%s)
          rm -f "$work/row_notes"
          start_fwd "$fwd"
          start_gen_for "$pdir" "$flows"
          warm_up "$fwd" "$flows"
          gen_show >/dev/null
          mark_begin
          if [ -n "${PERF_DIR:-}" ]; then
            # profile the forwarder's worker thread over the window (perf report -i FILE)
            mkdir -p "$PERF_DIR"
            local pat='worker-1$'
            [ "$fwd" = ovs_dpdk_normal ] && pat='^pmd'
            perf record -q -g -t "$(worker_tid "$pat")" -o "$PERF_DIR/$fwd-$size-$flows-$round.data" -- sleep "$WINDOW" 2>/dev/null
          else
            sleep "$WINDOW"
          fi
          m=$(mark_end)
          mpps=$(gen_show)
          stop_gen
          stop_fwd
          read -r cpp cput pk method <<<"$m"
          echo "$size $flows $round $fwd $mpps $cpp $cput $pk $method" >> "$results"
          printf '%5sB %5s %s round %s %-16s %8s Mpps %9s cycles/packet (%s) cputime %9s cycles/packet load %s (%ss)\n' \
            "$size" "$flows" "$label" "$round" "$fwd" "$mpps" "$cpp" "$method" "$cput" "$(cut -d' ' -f1 /proc/loadavg)" "$(($(date +%s) - t_m))"
          if [ -s "$work/row_notes" ]; then sed 's/^/    /' "$work/row_notes"; fi
        done
      done
    done
  done
  echo "elapsed: $(($(date +%s) - t_start)) s, load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---------------------------------------------------------------- figures
flows_name() { if [ "$1" -ge 1000 ] && [ $(($1 % 1000)) -eq 0 ]; then echo "$(($1 / 1000))k"; else echo "$1"; fi; }
col() {  # col SIZE FLOWS FWD COLUMN: the column's values over the rounds, in round order
  awk -v s="$1" -v f="$2" -v w="$3" -v c="$4" '$1 == s && $2 == f && $4 == w { print $3, $c }' "$results" | sort -n | cut -d' ' -f2
}
ratios() {  # ratios SIZE FLOWS COLUMN FWD ANCHOR: per-round value/anchor
  paste -d' ' <(awk -v s="$1" -v f="$2" -v w="$4" '$1 == s && $2 == f && $4 == w { print $3, $c }' c="$3" "$results" | sort -n) \
              <(awk -v s="$1" -v f="$2" -v w="$5" '$1 == s && $2 == f && $4 == w { print $3, $c }' c="$3" "$results" | sort -n) |
    awk '$1 == $3 && $4 > 0 && $2 != "nan" && $4 != "nan" { printf "%.4f\n", $2 / $4 }'
}
# report NAME_PREFIX FLOWS_LABEL FLOWS_SUFFIX FLOWS_LIST FORWARDERS ANCHOR...: the per-round rows, the
# spread, then (last) one RESULT line per (size, flows, anchor, metric) named
# <prefix>_<size>B_<flows><suffix>_<metric>, edgegw against each anchor that ran.
report() {
  local prefix=$1 label=$2 suffix=$3 flows_list=$4 forwarders=$5
  shift 5
  local lines=() size flows anchor metric mname c unit v a r fwd base
  echo "cycles/packet of edgegw: $(awk '$4 == "edgegw" { print $9 }' "$results" | sort -u | tr '\n' ' ')(busy_counters = the daemon's own, cputime = worker CPU time upper bound incl. polling)"
  for size in $SIZES; do
    for flows in $flows_list; do
      base="${prefix}_${size}B_$(flows_name "$flows")$suffix"
      case " $forwarders " in *" edgegw "*) ;; *) continue ;; esac
      for anchor in "$@"; do
        case " $forwarders " in *" $anchor "*) ;; *) continue ;; esac
        for metric in cycles_per_packet:6:cycles/packet mpps:5:Mpps cputime_cycles_per_packet:7:cycles/packet; do
          IFS=: read -r mname c unit <<<"$metric"
          v=$(col "$size" "$flows" edgegw "$c" | median)
          a=$(col "$size" "$flows" "$anchor" "$c" | median)
          r=$(ratios "$size" "$flows" "$c" edgegw "$anchor" | median)
          lines+=("RESULT name=${base}_$mname value=$v unit=$unit anchor=$anchor anchor_value=$a ratio=$r")
        done
      done
    done
  done
  echo "per-round rows (size $label round forwarder Mpps cycles/packet cputime_cycles/packet packets method):"
  sort -k1,1n -k2,2n -k4,4 -k3,3n "$results" | sed 's/^/  /'
  echo "spread over the rounds (min / median / max):"
  for size in $SIZES; do
    for flows in $flows_list; do
      for fwd in $forwarders; do
        printf '  %5sB %5s %s %-16s Mpps %s   cycles/packet %s\n' "$size" "$flows" "$label" "$fwd" \
          "$(col "$size" "$flows" "$fwd" 5 | sort -g | awk '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }')" \
          "$(col "$size" "$flows" "$fwd" 6 | sort -g | awk '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }')"
      done
    done
  done
  [ ${#lines[@]} -eq 0 ] || printf '%s\n' "${lines[@]}"
}
