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
duration=${BENCH_DURATION:-10}
conns=${BENCH_CONNS:-50}
log_size=${BENCH_LOG_SIZE:-64m}
runs=${BENCH_RUNS:-3}
sluice=${SLUICE_BIN:-$root/sluice}
sluicelog=$root/sluicelog
sluicestat=$root/sluicestat
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3

die() { echo "sluicelog-rate: $*" >&2; exit 1; }
say() { echo "sluicelog-rate: $*" >&2; }

[ -x "$sluicelog" ] && [ -x "$sluicestat" ] || die "run 'make' first"
for v in duration conns runs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v^^} must be a positive integer"
done

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
	printf '%-10s %12d records %14d records/s\n' "-g $g" "$n" "$best"
}

measure_dumps() {
	echo "== sluicelog -d > /dev/null ($1)"
	for g in raw vxid request; do
		dump_rate "$1" "$g"
	done
}

if [ $# -ge 1 ]; then
	[ -r "$1" ] || die "$1: cannot read"
	measure_dumps "$1"
	exit 0
fi

command -v wrk >/dev/null || die "'wrk' not found; run scripts/deps.sh (as root)"
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
[ -x "$sluice" ] || die "$sluice not found; run 'make' first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluicelog-rate.XXXXXX")
chmod 755 "$tmp"
pids=()
# shellcheck disable=SC2317 # reached through the trap
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r origin_port sluice_port < <("$python" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

mkdir -p "$tmp/www"
printf '%063d\n' 0 >"$tmp/www/64b"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
cat >"$tmp/origin.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/origin.pid;
error_log $tmp/origin-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    server {
        listen 127.0.0.1:$origin_port;
        root $tmp/www;
        default_type application/octet-stream;
    }
}
EOF
cat >"$tmp/sluice.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
    shm-log-size $log_size

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend bench
    bind 127.0.0.1:$sluice_port
    default_backend origin

backend origin
    server origin 127.0.0.1:$origin_port
EOF

shm=$tmp/bench.shm
"$nginx" -p "$tmp" -e "$tmp/origin-error.log" -c "$tmp/origin.conf" >"$tmp/origin.log" 2>&1 &
pids+=($!)
"$sluice" -f "$tmp/sluice.cfg" -n "$shm" >"$tmp/sluice.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$sluice_port/64b" 2>/dev/null && break
	sleep 0.05
done
curl -fsS -o /dev/null "http://127.0.0.1:$sluice_port/64b" ||
	die "sluice does not answer; see $tmp/sluice.log"

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
wrk -t1 -c"$conns" -d"$duration"s "http://127.0.0.1:$sluice_port/64b" >"$tmp/wrk.out"
sleep 0.5
kill -TERM "$follower"
wait "$follower" || true
after=$(log_records)
written=$((after - before))
lost=$(awk '/lost [0-9]+ records/ { for (i = 1; i <= NF; i++) if ($i == "lost") n += $(i + 1) } END { print n + 0 }' "$tmp/follow.err")
reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
reqs=${reqs:-0}
[ "$written" -gt 0 ] || die "sluice wrote no log records under load (are the log calls wired?)"
printf 'requests %s, records written %d (%d per request), lost by the reader %d\n' \
	"$reqs" "$written" "$((written / (reqs > 0 ? reqs : 1)))" "$lost"
printf 'reader sustained %d records/s (writer %d records/s)\n' \
	"$(((written - lost) / duration))" "$((written / duration))"

# --- dump the full ring ----------------------------------------------------
measure_dumps "$shm"
