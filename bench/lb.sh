#!/usr/bin/env bash
# bench/lb.sh: connection reuse and load balancing over 4 origins. sluice
# and HAProxy in turn in front of four nginx origins, with balance
# roundrobin or leastconn and http-reuse safe or always, under keep-alive
# clients and under clients that close after each request; prints req/s,
# CPU per request, the ratios to HAProxy's row of the same configuration,
# and the TCP connections the proxy opened to the origins (from nginx's
# stub_status). A benchmark, not a test: see bench/README.md for how to
# read it.
#
# Environment:
#   BENCH_DURATION  seconds of measured load per row (default 10)
#   BENCH_WARMUP    seconds of unmeasured load first (default 2)
#   BENCH_CONNS     concurrent client connections (default 50)
#   BENCH_MODES     client modes, in order (default "keep-alive close")
#   BENCH_PROXIES   which proxies (default "sluice haproxy")
#   BENCH_PROXY_CPU CPU for the proxy under test (default 0)
#   BENCH_LOAD_CPU  CPU for wrk and the origins (default 1)
#   SLUICE_BIN      the sluice binary (default ./sluice)
#   HAPROXY, NGINX  the other binaries (default /usr/sbin/haproxy, nginx)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_tag=bench-lb
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNS:-50}
modes=${BENCH_MODES:-keep-alive close}
proxies=${BENCH_PROXIES:-sluice haproxy}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
sluice=${SLUICE_BIN:-$root/sluice}
haproxy=${HAPROXY:-/usr/sbin/haproxy}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3
object=/64b                       # the object every request fetches

# the configurations: balance algorithm and http-reuse strategy
configs=("roundrobin safe" "roundrobin always" "leastconn safe")

check_positive duration warmup conns
need_tools wrk curl taskset awk
[ -x "$python" ] || die "$python not found (used to pick free ports)"
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
[[ $("$nginx" -V 2>&1) == *--with-http_stub_status_module* ]] ||
	die "$nginx has no stub_status module: the connections to the origins cannot be counted"
for m in $modes; do
	case $m in keep-alive|close) ;; *) die "unknown mode '$m' in BENCH_MODES (keep-alive, close)" ;; esac
done
for p in $proxies; do
	case $p in
	sluice) [ -x "$sluice" ] || die "$sluice not found: run make" ;;
	haproxy) [ -x "$haproxy" ] || die "$haproxy not found; run scripts/deps.sh (as root)" ;;
	*) die "unknown proxy '$p' in BENCH_PROXIES (sluice, haproxy)" ;;
	esac
done

bench_pinning
clk_tck=$(getconf CLK_TCK)
bench_tmpdir sluice-bench-lb

# Ports the kernel says are free now: 4 origins, their 4 status servers,
# sluice, HAProxy.
read -r -a ports < <(free_ports 10)
origin_ports=("${ports[@]:0:4}")
status_ports=("${ports[@]:4:4}")
declare -A proxy_port=([sluice]=${ports[8]} [haproxy]=${ports[9]})

# --- the origins: 4 nginx instances, 1 worker each, a 64-byte object --------
# One instance per origin so that stub_status, which counts per instance,
# counts per origin. Its "accepts" are the connections the proxy opened to
# that origin; its "requests" the requests it served; "Active connections"
# the connections open now. The status server has its own port so that it
# shares nothing with the origin's; each read of it is one connection and
# one request of its own, which the figures below take out.
mkdir -p "$tmp/www"
printf '%063d\n' 0 >"$tmp/www/64b"
nginx_worker_conns=4096           # per origin, as run.sh's origin
origin_pids=()
for i in 0 1 2 3; do
	nginx_conf "origin$i" "    server {
        listen 127.0.0.1:${origin_ports[$i]};
        root $tmp/www;
        default_type application/octet-stream;
    }
    server {
        listen 127.0.0.1:${status_ports[$i]};
        location / { stub_status; }
    }" >"$tmp/origin$i.conf"
	start "origin$i" "${pin_load[@]}" "$nginx" -p "$tmp" -c "$tmp/origin$i.conf" \
		-e "$tmp/origin$i-error.log"
	origin_pids+=("$last_pid")
done
for i in 0 1 2 3; do
	wait_ready "${origin_ports[$i]}" "${origin_pids[$i]}" || {
		cat "$tmp/origin$i.log" "$tmp/origin$i-error.log" >&2 2>/dev/null || true
		die "nginx origin $i did not start"
	}
done

# origin_counters: "accepts requests active" of each origin, 12 numbers.
origin_counters() {
	local i
	for i in 0 1 2 3; do
		curl -fsS "http://127.0.0.1:${status_ports[$i]}/" 2>/dev/null |
			awk '/^Active connections:/ { act = $3 }
			     NR == 3 { acc = $1; req = $3 }
			     END { printf "%d %d %d ", acc, req, act }'
	done
	echo
}

# origin_drains: how many times the origins ran out of worker_connections
# so far (nginx then closes idle keep-alive connections to make room).
origin_drains() {
	awk '/worker_connections are not enough/ { n++ } END { print n + 0 }' \
		"$tmp"/origin?-error.log
}

# measure PORT MODE PID...: warm-up, then one measured wrk run against PORT
# in MODE, accounting the CPU of the PIDs (none for the direct rows). Prints
# "req/s p99_ms cpu_us/req conns/1k open share errors"; open ends in "!"
# when an origin ran out of worker_connections during the warm-up or the run.
measure() {
	local port=$1 mode=$2
	shift 2
	local wopt=() c0 c1 t0 t1 d0 d1
	[ "$mode" = close ] && wopt=(-H "Connection: close")
	d0=$(origin_drains)
	wrk_run "$port" "$warmup" "$tmp/wrk-warm.txt" "${wopt[@]}" || true
	c0=$(origin_counters)
	t0=$(cpu_ticks "$@")
	wrk_run "$port" "$duration" "$tmp/wrk.txt" "${wopt[@]}" || true
	t1=$(cpu_ticks "$@")
	c1=$(origin_counters)
	d1=$(origin_drains)
	read -r req rps p99 err < <(wrk_parse "$tmp/wrk.txt")
	awk -v c0="$c0" -v c1="$c1" -v req="$req" -v rps="$rps" -v p99="$p99" \
	    -v err="$err" -v dt=$((t1 - t0)) -v hz="$clk_tck" -v npid=$# -v drained=$((d1 - d0)) 'BEGIN {
		split(c0, a); split(c1, b)
		acc = 0; sreq = 0; open = 0
		for (i = 0; i < 4; i++) {
			# each status read is one connection and one request of its
			# own: the one after the run is in b, not in a
			da[i] = b[3 * i + 1] - a[3 * i + 1] - 1
			dr[i] = b[3 * i + 2] - a[3 * i + 2] - 1
			acc += da[i]; sreq += dr[i]
			open += b[3 * i + 3] - 1
		}
		share = ""
		for (i = 0; i < 4; i++)
			share = share (i ? "/" : "") \
				sprintf("%.0f", sreq > 0 ? dr[i] * 100 / sreq : 0)
		cpu = npid && req > 0 ? sprintf("%.2f", dt * 1e6 / hz / req) : "-"
		c1k = req > 0 ? sprintf("%.1f", acc * 1000 / req) : "-"
		if (drained > 0) open = open "!"
		printf "%s %s %s %s %s %s %s\n", rps, p99, cpu, c1k, open, share, err
	}'
}

results=$tmp/results
: >"$results"

say "4 nginx origins on 127.0.0.1:${origin_ports[*]} (CPU $load_cpu); ${duration}s runs, $conns connections"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other work skews the figures)"

for mode in $modes; do
	say "$mode: baseline, wrk straight to origin o1"
	echo "$mode direct - - $(measure "${origin_ports[0]}" "$mode")" >>"$results"
	for cfg in "${configs[@]}"; do
		read -r balance reuse <<<"$cfg"
		for name in $proxies; do
			port=${proxy_port[$name]}
			# the same file for sluice and HAProxy, as in run.sh, with the
			# 4 origins
			proxy_cfg "$port" "${origin_ports[*]}" "" \
				"balance $balance"$'\n'"http-reuse $reuse" >"$tmp/$name.cfg"
			case $name in
			sluice)  start sluice "${pin_proxy[@]}" "$sluice" -n "$tmp/sluice.shm" -f "$tmp/sluice.cfg" ;;
			haproxy) start haproxy "${pin_proxy[@]}" "$haproxy" -db -f "$tmp/haproxy.cfg" ;;
			esac
			ppid_=$last_pid
			say "$mode: $name, balance $balance, http-reuse $reuse, on 127.0.0.1:$port (CPU $proxy_cpu)"
			if ! wait_ready "$port" "$ppid_"; then
				say "$name did not serve the object; its output:"
				sed 's/^/    /' "$tmp/$name.log" >&2 || true
				echo "$mode $name $balance $reuse n/a n/a n/a n/a n/a - failed" >>"$results"
				stop "$ppid_"
				continue
			fi
			mapfile -t procs < <(echo "$ppid_"; pgrep -P "$ppid_" || true)
			echo "$mode $name $balance $reuse $(measure "$port" "$mode" "${procs[@]}")" >>"$results"
			stop "$ppid_"
		done
	done
done

# --- the table -----------------------------------------------------------------
echo
awk -v dur="$duration" -v conns="$conns" -v wc="$nginx_worker_conns" '
{ n++; mode[n] = $1; name[n] = $2; bal[n] = $3; reuse[n] = $4
  rps[n] = $5; cpu[n] = $7; c1k[n] = $8; open[n] = $9; share[n] = $10; err[n] = $11
  flag[n] = $9 ~ /!$/
  if ($2 == "haproxy") ref[$1 " " $3 " " $4] = n }
function ratio(a, b) {
	if (a == "n/a" || a == "-" || b == "n/a" || b == "-" || b + 0 == 0) return "-"
	return sprintf("%.2f", a / b)
}
END {
	printf "wrk -t1 -c%d -d%ds, GET of a 64-byte object, 4 nginx origins; proxy alone on one CPU\n", conns, dur
	printf "clients keep-alive: %d connections kept open; close: each request on a new\n", conns
	printf "connection (\"Connection: close\")\n\n"
	fmt = "%-10s %-7s %-10s %-6s %7s %10s %7s %6s %10s %6s%1s %-12s %s\n"
	printf fmt, "clients", "proxy", "balance", "reuse", "req/s", "CPU us/req",
	       "x req/s", "x CPU", "conn/1k rq", "open", "", "origin %", "errors"
	for (i = 1; i <= n; i++) {
		if (i > 1 && mode[i] != mode[i - 1]) printf "\n"
		r = ref[mode[i] " " bal[i] " " reuse[i]]
		d = name[i] == "direct"
		printf fmt, mode[i], name[i], bal[i], reuse[i], rps[i], cpu[i],
		       d || !r ? "-" : ratio(rps[i], rps[r]), d || !r ? "-" : ratio(cpu[i], cpu[r]),
		       c1k[i], flag[i] ? substr(open[i], 1, length(open[i]) - 1) : open[i],
		       flag[i] ? "!" : "", share[i], err[i]
	}
	printf "\nx ...: ratio to HAProxy with the same clients, balance and reuse (req/s: higher\n"
	printf "is better; CPU per request: lower is better). conn/1k rq: TCP connections opened\n"
	printf "to the origins per 1000 requests during the run; open: connections to the\n"
	printf "origins still open at its end; origin %%: share of the requests per origin.\n"
	printf "direct: wrk straight to one origin, for reference.\n"
	for (i = 1; i <= n; i++) if (flag[i]) drained = 1
	if (drained) {
		printf "!: an origin ran out of its %d worker_connections during the warm-up or\n", wc
		printf "the run and closed idle connections of the proxy to make room.\n"
	}
}' "$results"
