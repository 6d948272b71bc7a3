#!/usr/bin/env bash
# bench/lb_pick.sh: the cost of choosing a server, per algorithm, with 10,
# 100 and 1,000 servers in the backend (the unit test's --bench mode), then
# leastconn against roundrobin through sluice over 4 origin servers, all
# equal and with one slow. A benchmark, not a test: it fails no build. See
# bench/README.md for how to read it.
#
# Environment:
#   LB_BENCH_PICKS  picks per measurement in the first part (default 1000000)
#   BENCH_DURATION  seconds of wrk load per run in the second part (default 5)
#   BENCH_CONNS     wrk connections (default 50)
#   BENCH_LB_HTTP   0 to skip the second part
#   BENCH_PROXY_CPU CPU for sluice (default 0)
#   BENCH_LOAD_CPU  CPU for wrk and the origins (default 1)
#   SLUICE_BIN      the sluice binary (default ./sluice)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
duration=${BENCH_DURATION:-5}
conns=${BENCH_CONNS:-50}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
sluice=${SLUICE_BIN:-$root/sluice}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3

die() { echo "lb_pick: $*" >&2; exit 1; }
say() { echo "lb_pick: $*" >&2; }

# --- 1. picking cost -------------------------------------------------------
make -C "$root" --no-print-directory build/tests/unit/test_lb >&2
echo "== cost of a pick (one thread, lb_pick() only; leastconn+load adds the"
echo "   two load reports of an exchange, lb_srv_load() on take and release)"
"$root/build/tests/unit/test_lb" --bench
echo

[ "${BENCH_LB_HTTP:-1}" = 0 ] && exit 0

# --- 2. leastconn against roundrobin over 4 origins ------------------------
for v in duration conns; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v^^} must be a positive integer"
done
for tool in wrk curl taskset awk; do
	command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/deps.sh (as root)"
done
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
[ -x "$sluice" ] || die "$sluice not found: run make"
if [ "$(nproc)" -ge 2 ]; then
	pin_proxy=(taskset -c "$proxy_cpu")
	pin_load=(taskset -c "$load_cpu")
else
	say "only one CPU: running without pinning; figures will be noisy"
	pin_proxy=()
	pin_load=()
fi
clk_tck=$(getconf CLK_TCK)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-lbbench.XXXXXX")
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
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r -a ports < <("$python" -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
sluice_port=${ports[4]}

# The origins: one nginx worker, four servers. /obj is 256 kB; the slow
# server sends it at 128 kB/s after the first 128 kB (about one second).
mkdir -p "$tmp/www"
head -c 262144 /dev/zero >"$tmp/www/obj"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
servers=""
for i in 0 1 2 3; do
	rate=""
	[ "$i" = 3 ] && rate='if ($arg_slow) { set $limit_rate 128k; }'
	servers="$servers
    server { listen 127.0.0.1:${ports[$i]}; root $tmp/www; $rate }"
done
cat >"$tmp/origins.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/origins.pid;
error_log $tmp/origins-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
$servers
}
EOF
"${pin_load[@]}" "$nginx" -p "$tmp" -c "$tmp/origins.conf" -e "$tmp/origins-error.log" \
	>"$tmp/origins.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:${ports[3]}/obj" 2>/dev/null && break
	sleep 0.05
done

# run ALGO QUERY: sluice with ALGO over the 4 origins, wrk on /obj?QUERY;
# prints req/s, p99 ms, CPU us/req of sluice.
run() {
	local algo=$1 query=$2
	cat >"$tmp/sluice.cfg" <<EOF
global
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:$sluice_port
    default_backend be
backend be
    balance $algo
    server o1 127.0.0.1:${ports[0]}
    server o2 127.0.0.1:${ports[1]}
    server o3 127.0.0.1:${ports[2]}
    server o4 127.0.0.1:${ports[3]}
EOF
	"${pin_proxy[@]}" "$sluice" -n "$tmp/sluice.shm" -f "$tmp/sluice.cfg" >"$tmp/sluice.log" 2>&1 &
	local spid=$!
	pids+=("$spid")
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$sluice_port/obj" 2>/dev/null && break
		sleep 0.05
	done
	local t0 t1 stat
	stat=$(cat "/proc/$spid/stat"); stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat; t0=$((${12} + ${13}))
	"${pin_load[@]}" wrk -t1 -c"$conns" -d"$duration"s --latency \
		"http://127.0.0.1:$sluice_port/obj?$query" >"$tmp/wrk.txt" 2>&1 || true
	stat=$(cat "/proc/$spid/stat"); stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat; t1=$((${12} + ${13}))
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	awk -v dt=$((t1 - t0)) -v hz="$clk_tck" '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
		return v + 0
	}
	/requests in/     { req = $1 }
	/^Requests\/sec:/ { rps = $2 }
	/^ +99%/          { p99 = ms($2) }
	END { printf "%10.0f %10.1f %12.1f\n", rps, p99, req ? dt * 1e6 / hz / req : 0 }' "$tmp/wrk.txt"
}

echo "== leastconn against roundrobin: sluice (1 thread) over 4 origins, wrk -c$conns"
echo "   -d${duration}s, GET of 256 kB; 'one slow': the 4th origin sends at 128 kB/s"
printf "%-12s %-10s %10s %10s %12s\n" origins balance "req/s" "p99 ms" "CPU us/req"
for case in equal slow; do
	q=""
	[ "$case" = slow ] && q="slow=1"
	for algo in roundrobin leastconn; do
		printf "%-12s %-10s %s\n" "$([ "$case" = slow ] && echo "one slow" || echo "all equal")" \
			"$algo" "$(run "$algo" "$q")"
	done
done
