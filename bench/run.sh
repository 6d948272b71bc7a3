#!/usr/bin/env bash
# bench/run.sh: sluice, HAProxy and nginx side by side in front of one nginx
# origin, on one machine in one run; prints one row per proxy and the ratios
# to HAProxy. A benchmark, not a test: see bench/README.md for how to read it.
#
# Environment:
#   BENCH_DURATION  seconds of measured load per proxy (default 10)
#   BENCH_WARMUP    seconds of unmeasured load first (default 2)
#   BENCH_CONNS     concurrent keep-alive client connections (default 50)
#   BENCH_PROXIES   which proxies, in order (default "sluice haproxy nginx
#                   sluice-nolog sluice-follow": sluice with the shared-memory
#                   log off, and on with sluicelog following it)
#   BENCH_PROXY_CPU CPU for the proxy under test (default 0)
#   BENCH_LOAD_CPU  CPU for wrk and the origin (default 1)
#   SLUICE_BIN      the sluice binary (default ./sluice)
#   HAPROXY, NGINX  the other binaries (default /usr/sbin/haproxy, nginx)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_tag=bench
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNS:-50}
proxies=${BENCH_PROXIES:-sluice haproxy nginx sluice-nolog sluice-follow}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
sluice=${SLUICE_BIN:-$root/sluice}
haproxy=${HAPROXY:-/usr/sbin/haproxy}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3
object=/64b                       # the object every request fetches

check_positive duration warmup conns
need_tools wrk curl taskset awk
[ -x "$python" ] || die "$python not found (used to pick free ports)"
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
case " $proxies " in *" haproxy "*)
	[ -x "$haproxy" ] || die "$haproxy not found; run scripts/deps.sh (as root)" ;;
esac
have_perf=0
command -v perf >/dev/null && have_perf=1

# Pinning: the proxy alone on one CPU, wrk and the origin on another.
bench_pinning
clk_tck=$(getconf CLK_TCK)

bench_tmpdir sluice-bench

# Ports the kernel says are free now (ephemeral range, loopback).
read -r origin_port sluice_port haproxy_port nginx_port < <(free_ports 4)

# --- the origin: nginx, 1 worker, a 64-byte object ---------------------------
origin_64b "$origin_port"

# The same HAProxy-syntax file for sluice and HAProxy (lib.sh's proxy_cfg),
# and sluice's with the shared-memory log off, to measure what logging costs.
proxy_cfg "$sluice_port" "$origin_port" >"$tmp/sluice.cfg"
proxy_cfg "$haproxy_port" "$origin_port" >"$tmp/haproxy.cfg"
proxy_cfg "$sluice_port" "$origin_port" "shm-log off" >"$tmp/sluice-nolog.cfg"

nginx_conf nginx-proxy "    upstream origin {
        server 127.0.0.1:$origin_port;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }" >"$tmp/nginx-proxy.conf"

results=$tmp/results
: >"$results"

# --- origin -----------------------------------------------------------------
start origin "${pin_load[@]}" "$nginx" -p "$tmp" -c "$tmp/origin.conf" -e "$tmp/origin-error.log"
origin_pid=$last_pid
wait_ready "$origin_port" "$origin_pid" || {
	cat "$tmp/origin.log" "$tmp/origin-error.log" >&2 2>/dev/null || true
	die "the nginx origin did not start"
}

say "origin nginx on 127.0.0.1:$origin_port (CPU $load_cpu); ${duration}s runs, $conns connections"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other work skews the figures)"
say "baseline: wrk straight to the origin"
wrk_run "$origin_port" "$warmup" "$tmp/wrk-warm.txt" || true
wrk_run "$origin_port" "$duration" "$tmp/wrk-direct.txt" || true
read -r _ rps p99 err < <(wrk_parse "$tmp/wrk-direct.txt")
echo "direct $rps $p99 - - $err" >>"$results"

# --- each proxy in turn -------------------------------------------------------
for name in $proxies; do
	case $name in
	sluice)
		if [ ! -x "$sluice" ]; then
			echo "sluice n/a n/a n/a n/a not-built" >>"$results"
			say "sluice: $sluice not found, skipped"
			continue
		fi
		start sluice "${pin_proxy[@]}" "$sluice" -n "$tmp/sluice.shm" -f "$tmp/sluice.cfg"
		port=$sluice_port ;;
	sluice-nolog)
		start sluice-nolog "${pin_proxy[@]}" "$sluice" -n "$tmp/sluice.shm" -f "$tmp/sluice-nolog.cfg"
		port=$sluice_port ;;
	sluice-follow)
		# logging on, and sluicelog following the ring at full rate on
		# sluice's own CPU, so its cost shows up as lost req/s
		start sluice-follow "${pin_proxy[@]}" "$sluice" -n "$tmp/sluice.shm" -f "$tmp/sluice.cfg"
		port=$sluice_port
		sleep 0.3
		"${pin_proxy[@]}" "$root/sluicelog" -n "$tmp/sluice.shm" >/dev/null 2>"$tmp/follower.log" &
		follower_pid=$!
		pids+=("$follower_pid") ;;
	haproxy)
		start haproxy "${pin_proxy[@]}" "$haproxy" -db -f "$tmp/haproxy.cfg"
		port=$haproxy_port ;;
	nginx)
		start nginx "${pin_proxy[@]}" "$nginx" -p "$tmp" -c "$tmp/nginx-proxy.conf" \
			-e "$tmp/nginx-proxy-error.log"
		port=$nginx_port ;;
	*)
		die "unknown proxy '$name' in BENCH_PROXIES (sluice, haproxy, nginx, sluice-nolog, sluice-follow)" ;;
	esac
	ppid_=$last_pid
	say "$name on 127.0.0.1:$port (CPU $proxy_cpu)"
	if ! wait_ready "$port" "$ppid_"; then
		say "$name did not serve the object; its output:"
		sed 's/^/    /' "$tmp/$name.log" >&2 || true
		echo "$name n/a n/a n/a n/a failed" >>"$results"
		stop "$ppid_"
		continue
	fi
	# the processes to account: the proxy and its children (nginx workers)
	mapfile -t procs < <(echo "$ppid_"; pgrep -P "$ppid_" || true)

	wrk_run "$port" "$warmup" "$tmp/wrk-warm.txt" || true

	if [ "$have_perf" = 1 ]; then
		perf stat -e instructions -x, -o "$tmp/perf-$name.txt" \
			-p "$(IFS=,; echo "${procs[*]}")" -- sleep "$duration" \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	t0=$(cpu_ticks "${procs[@]}")
	wrk_run "$port" "$duration" "$tmp/wrk-$name.txt" || true
	t1=$(cpu_ticks "${procs[@]}")
	instr=""
	if [ "$have_perf" = 1 ]; then
		wait "$perf_pid" 2>/dev/null || true
		# CSV: value,unit,event,... ; "<not supported>" where unavailable
		instr=$(awk -F, '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ { print $1 }' \
			"$tmp/perf-$name.txt" 2>/dev/null || true)
	fi

	read -r req rps p99 err < <(wrk_parse "$tmp/wrk-$name.txt")
	awk -v n="$name" -v req="$req" -v rps="$rps" -v p99="$p99" -v err="$err" \
	    -v dt=$((t1 - t0)) -v hz="$clk_tck" -v ins="$instr" 'BEGIN {
		cpu = req > 0 ? dt * 1e6 / hz / req : 0
		ipr = (ins != "" && req > 0) ? sprintf("%.0f", ins / req) : "n/a"
		printf "%s %s %s %.2f %s %s\n", n, rps, p99, cpu, ipr, err
	}' >>"$results"

	stop "$ppid_"
	if [ -n "${follower_pid:-}" ]; then
		stop "$follower_pid"
		follower_pid=
		grep -i "lost" "$tmp/follower.log" >&2 || say "sluicelog follower: no record lost"
	fi
done

# --- the table -----------------------------------------------------------------
echo
awk -v dur="$duration" -v conns="$conns" '
{ name[NR] = $1; rps[NR] = $2; p99[NR] = $3; cpu[NR] = $4; ipr[NR] = $5; err[NR] = $6
  if ($1 == "haproxy") ref = NR }
function ratio(a, b) {
	if (!ref || a == "n/a" || a == "-" || b == "n/a" || b == "-" || b + 0 == 0) return "-"
	return sprintf("%.2f", a / b)
}
END {
	printf "wrk -t1 -c%d -d%ds, keep-alive, GET of a 64-byte object; proxy alone on one CPU\n\n", conns, dur
	fmt = "%-13s %8s %8s %10s %10s  %8s %8s %8s  %s\n"
	printf fmt, "proxy", "req/s", "p99 ms", "CPU us/req", "instr/req",
	       "x req/s", "x CPU", "x instr", "errors"
	for (i = 1; i <= NR; i++) {
		d = name[i] == "direct"
		printf fmt, name[i], rps[i], p99[i], cpu[i], ipr[i],
		       d ? "" : ratio(rps[i], rps[ref]), d ? "" : ratio(cpu[i], cpu[ref]),
		       d ? "" : ratio(ipr[i], ipr[ref]), err[i]
	}
	printf "\nx ...: ratio to HAProxy (req/s: higher is better; CPU and instructions per\n"
	printf "request: lower is better). direct: wrk straight to the origin, for reference.\n"
	printf "sluice-nolog: shm-log off; sluice-follow: sluicelog following the ring on\n"
	printf "the proxy CPU, its CPU not counted (bench/logcost.sh counts it).\n"
}' "$results"
if [ "$have_perf" = 0 ]; then
	echo "(perf not installed: instructions per request are n/a)"
elif grep -qs 'not supported' "$tmp"/perf-*.txt; then
	echo "(perf: hardware instruction counter not supported here: instructions per request are n/a)"
fi
