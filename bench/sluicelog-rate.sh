#!/usr/bin/env bash
# bench/sluicelog-rate.sh: how many log records per second one sluicelog
# reader gets through. A benchmark, not a test: it fails no build.
#
#   bench/sluicelog-rate.sh            start an nginx origin and sluice (its
#                                      own shared-memory file), fill the log
#                                      ring under wrk load, then measure
#   bench/sluicelog-rate.sh FILE       only measure the dump of FILE (a
#                                      segment file, e.g. a stopped sluice's)
#
# It measures:
#   1. dump: `sluicelog -d > /dev/null` over a full ring, for -g raw, vxid
#      and request (the default): records in the ring / seconds taken;
#   2. follow (not with FILE): `sluicelog -g raw > /dev/null` following
#      while wrk loads sluice: records written meanwhile (the threads'
#      log_records counters), records the reader reported lost, and the
#      rate it sustained.
#
# Environment:
#   BENCH_DURATION  seconds of load for the follow run (default 10)
#   BENCH_CONNS     wrk connections (default 50)
#   BENCH_LOG_SIZE  shm-log-size of sluice (default 64m)
#   BENCH_RUNS      dumps per grouping, the best is kept (default 3)
#   SLUICE_BIN      the sluice binary (default ./sluice)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_tag="sluicelog-rate"
duration=${BENCH_DURATION:-10}
conns=${BENCH_CONNS:-50}
log_size=${BENCH_LOG_SIZE:-64m}
runs=${BENCH_RUNS:-3}
sluice=${SLUICE_BIN:-$root/sluice}
sluicelog=$root/sluicelog
sluicestat=$root/sluicestat
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3
object=/64b                       # the object every request fetches

for b in "$sluicelog" "$sluicestat"; do
	[ -x "$b" ] || die "run 'make' first"
done
check_positive duration conns runs

now() { date +%s.%N; }

# records_in FILE: records a dump of FILE reads.
records_in() {
	"$sluicelog" -n "$1" -d -t 0 -g raw 2>/dev/null | wc -l
}

# dump_rate FILE GROUPING: best records/s of `sluicelog -d` over BENCH_RUNS.
dump_rate() {
	local file=$1 g=$2 n best=0 t0 t1 rate
	n=$(records_in "$file")
	[ "$n" -gt 0 ] || die "no log records in $file"
	for _ in $(seq "$runs"); do
		t0=$(now)
		"$sluicelog" -n "$file" -d -t 0 -g "$g" >/dev/null 2>&1
		t1=$(now)
		rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", n / (b - a) }')
		[ "$rate" -gt "$best" ] && best=$rate
	done
	printf '%-10s %9d records read %11d records/s\n' "-g $g" "$n" "$best"
}

measure_dumps() {
	echo "== sluicelog -d > /dev/null (${2:-$1}); records as readers see them"
	for g in raw vxid request; do
		dump_rate "$1" "$g"
	done
}

if [ $# -ge 1 ]; then
	[ -r "$1" ] || die "$1: cannot read"
	measure_dumps "$1"
	exit 0
fi

need_tools wrk curl
[ -x "$python" ] || die "$python not found (used to pick free ports)"
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
[ -x "$sluice" ] || die "$sluice not found; run 'make' first"

# a private directory, and the traps that stop everything started here
bench_tmpdir sluicelog-rate
read -r origin_port sluice_port < <(free_ports 2)

# the origin and sluice's configuration as in run.sh (nothing pinned here),
# with a ring of BENCH_LOG_SIZE
origin_64b "$origin_port"
proxy_cfg "$sluice_port" "$origin_port" "shm-log-size $log_size" >"$tmp/sluice.cfg"

shm=$tmp/bench.shm
start origin "$nginx" -p "$tmp" -e "$tmp/origin-error.log" -c "$tmp/origin.conf"
start sluice "$sluice" -f "$tmp/sluice.cfg" -n "$shm"
sluice_pid=$last_pid
if ! wait_ready "$sluice_port" "$sluice_pid"; then
	say "sluice does not serve the object; its output and the origin's:"
	cat "$tmp/sluice.log" "$tmp/origin.log" "$tmp/origin-error.log" >&2 2>/dev/null || true
	exit 1
fi

log_records() {
	"$sluicestat" -n "$shm" -1 -t 1 -f 'thread.*.log_records' 2>/dev/null |
		awk '{ n += $2 } END { print n + 0 }'
}

# --- follow while loaded ---------------------------------------------------
echo "== sluicelog -g raw > /dev/null, following while wrk -c$conns runs ${duration}s"
before=$(log_records)
"$sluicelog" -n "$shm" -g raw >/dev/null 2>"$tmp/follow.err" &
follower=$!
pids+=("$follower")
sleep 0.3
wrk -t1 -c"$conns" -d"$duration"s "http://127.0.0.1:$sluice_port$object" >"$tmp/wrk.out"
sleep 0.5
stop "$follower"
after=$(log_records)
written=$((after - before))
lost=$(awk '/lost [0-9]+ records/ { for (i = 1; i <= NF; i++) if ($i == "lost") n += $(i + 1) } END { print n + 0 }' "$tmp/follow.err")
reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
reqs=${reqs:-0}
[ "$written" -gt 0 ] || die "sluice wrote no log records under load (are the log calls wired?)"
printf 'requests %s, ring records written %d (%d per request), lost by the reader %d\n' \
	"$reqs" "$written" "$((written / (reqs > 0 ? reqs : 1)))" "$lost"
printf 'reader sustained %d ring records/s (writer %d ring records/s)\n' \
	"$(((written - lost) / duration))" "$((written / duration))"

# --- dump the full ring ----------------------------------------------------
measure_dumps "$shm" "the ring of the run above"
