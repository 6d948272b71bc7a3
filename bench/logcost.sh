#!/usr/bin/env bash
# bench/logcost.sh: what sluice's shared-memory log costs. The same sluice in
# front of one nginx origin, as in bench/run.sh, in three modes:
#   nolog   shm-log off;
#   log     logging on, nobody reading the ring;
#   follow  logging on, and `sluicelog` following the ring at full rate
#           (its output to /dev/null);
# in BENCH_ROUNDS rounds that each run the three modes in turn, so that the
# machine's noise spreads over all of them. Prints, per mode, the median
# req/s and CPU per request (sluice's, sluicelog's, both), then the cost of
# logging against nolog; the target is at most 2%. With BENCH_CALLGRIND=1
# it also counts sluice's instructions per request under callgrind, log off
# and on. A benchmark, not a test: see bench/README.md for how to read it.
#
# Environment:
#   BENCH_ROUNDS     rounds of the three modes (default 3)
#   BENCH_DURATION   seconds of measured load per mode and round (default 5)
#   BENCH_WARMUP     seconds of unmeasured load first (default 2)
#   BENCH_CONNS      concurrent keep-alive client connections (default 50)
#   BENCH_PROXY_CPU  CPU for sluice (default 0)
#   BENCH_LOAD_CPU   CPU for wrk and the origin (default 1)
#   BENCH_FOLLOW_CPU CPU for the sluicelog follower (default: sluice's)
#   BENCH_CALLGRIND  1: also count instructions per request with valgrind
#   BENCH_CALLGRIND_FN the function whose instructions (and its callees')
#                    callgrind counts (default thread_loop, the event loop)
#   SLUICE_BIN       the sluice binary (default ./sluice)
#   NGINX            the origin's binary (default nginx)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_tag=bench-log
rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-5}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNS:-50}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
# The follower shares sluice's CPU by default: what it costs then shows as
# lost req/s and is charged to the logging side, as on a busy machine where
# the reader takes CPU from the proxy. On the load CPU it would slow wrk and
# the origin instead and blur that.
follow_cpu=${BENCH_FOLLOW_CPU:-$proxy_cpu}
callgrind=${BENCH_CALLGRIND:-0}
# thread_loop, not runq_run alone: the loop-turn hooks run outside runq_run,
# among them the log's (slog_turn), which publishes the records a thread
# has buffered
cg_fn=${BENCH_CALLGRIND_FN:-thread_loop}
sluice=${SLUICE_BIN:-$root/sluice}
sluicelog=$root/sluicelog
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
python=/usr/bin/python3
object=/64b                       # the object every request fetches
modes="nolog log follow"
# callgrind: requests over one keep-alive connection, two runs; the
# difference of their totals over the difference of requests is the cost of
# a request, without sluice's start and stop
cg_short=500
cg_long=2500

check_positive rounds duration warmup conns
need_tools wrk curl taskset awk
[ -x "$python" ] || die "$python not found (used to pick free ports)"
[ -x "$nginx" ] || die "nginx not found; run scripts/deps.sh (as root)"
[ -x "$sluice" ] || die "$sluice not found: run make"
[ -x "$sluicelog" ] || die "$sluicelog not found: run make"

bench_pinning
pin_follow=()
[ "${#pin_proxy[@]}" -gt 0 ] && pin_follow=(taskset -c "$follow_cpu")
clk_tck=$(getconf CLK_TCK)
bench_tmpdir sluice-bench-log

read -r origin_port sluice_port < <(free_ports 2)

# --- the origin: nginx, 1 worker, a 64-byte object, as in run.sh -----------
origin_64b "$origin_port"

# sluice's configuration as in run.sh, with the log on and off
proxy_cfg "$sluice_port" "$origin_port" >"$tmp/sluice-log.cfg"
proxy_cfg "$sluice_port" "$origin_port" "shm-log off" >"$tmp/sluice-nolog.cfg"

start origin "${pin_load[@]}" "$nginx" -p "$tmp" -c "$tmp/origin.conf" -e "$tmp/origin-error.log"
origin_pid=$last_pid
wait_ready "$origin_port" "$origin_pid" || {
	cat "$tmp/origin.log" "$tmp/origin-error.log" >&2 2>/dev/null || true
	die "the nginx origin did not start"
}

# alive PID: the process runs (not gone, not a zombie waiting to be reaped).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# sluice_start NAME CFG [CMD PREFIX...]: a fresh sluice on CPU proxy_cpu with
# configuration CFG (log, nolog), its own shared-memory file; PID in last_pid.
sluice_start() {
	local name=$1 cfg=$2
	shift 2
	start "$name" "${pin_proxy[@]}" "$@" "$sluice" -n "$tmp/sluice.shm" \
		-f "$tmp/sluice-$cfg.cfg"
}

# run_mode ROUND MODE: one measured run of MODE; appends "round mode req/s
# requests sluice_ticks follower_ticks lost errors" to $results (follower
# ticks and lost: "-" but in follow mode; lost: 1 when sluicelog reported
# lost records).
run_mode() {
	local round=$1 mode=$2 cfg=log spid fpid="" t0 t1 f0=0 f1=0 ft=- lost=- req rps err
	[ "$mode" = nolog ] && cfg=nolog
	sluice_start "sluice-$mode" "$cfg"
	spid=$last_pid
	if [ "$mode" = follow ]; then
		sleep 0.3
		"${pin_follow[@]}" "$sluicelog" -n "$tmp/sluice.shm" >/dev/null 2>"$tmp/follower.log" &
		fpid=$!
		pids+=("$fpid")
	fi
	say "round $round/$rounds: $mode on 127.0.0.1:$sluice_port (CPU $proxy_cpu)"
	if ! wait_ready "$sluice_port" "$spid"; then
		sed 's/^/    /' "$tmp/sluice-$mode.log" >&2 || true
		die "sluice ($mode) did not serve the object"
	fi
	wrk_run "$sluice_port" "$warmup" "$tmp/wrk-warm.txt" || true
	t0=$(cpu_ticks "$spid")
	[ -z "$fpid" ] || f0=$(cpu_ticks "$fpid")
	wrk_run "$sluice_port" "$duration" "$tmp/wrk-$mode.txt" || true
	t1=$(cpu_ticks "$spid")
	[ -z "$fpid" ] || f1=$(cpu_ticks "$fpid")
	if [ -n "$fpid" ]; then
		if ! alive "$fpid"; then
			sed 's/^/    /' "$tmp/follower.log" >&2 || true
			die "sluicelog exited before the end of the run"
		fi
		stop "$fpid"          # SIGTERM: it reports what it lost in all
		ft=$((f1 - f0))
		lost=0
		if grep -qi lost "$tmp/follower.log"; then
			lost=1
			sed "s/^/round $round: /" "$tmp/follower.log" >>"$tmp/lost.txt"
		fi
	fi
	stop "$spid"
	read -r req rps _ err < <(wrk_parse "$tmp/wrk-$mode.txt")
	echo "$round $mode $rps $req $((t1 - t0)) $ft $lost $err" >>"$results"
}

results=$tmp/results
: >"$results"

say "origin nginx on 127.0.0.1:$origin_port (CPU $load_cpu); $rounds rounds of ${duration}s runs, $conns connections"
say "sluicelog follower on CPU $follow_cpu (sluice on CPU $proxy_cpu)"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other work skews the figures)"

for round in $(seq "$rounds"); do
	for mode in $modes; do
		run_mode "$round" "$mode"
	done
done

# --- the table -----------------------------------------------------------------
echo
awk -v dur="$duration" -v conns="$conns" -v hz="$clk_tck" -v rounds="$rounds" \
    -v pcpu="$proxy_cpu" -v fcpu="$follow_cpu" '
# sorted(LIST, A): the space-separated numbers of LIST into A[1..n],
# ascending; returns n
function sorted(list, a,    n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n
}
# med(LIST): the median of LIST ("" if empty)
function med(list,    a, n) {
	if (!(n = sorted(list, a))) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# q(LIST, K): the K-th quartile (1 or 3) of LIST, by the nearest rank
function q(list, k,    a, n, i) {
	if (!(n = sorted(list, a))) return ""
	i = int((k * n + 3) / 4)
	return a[i < 1 ? 1 : i > n ? n : i]
}
function lo(list,    a) { sorted(list, a); return a[1] }
function hi(list,    a, n) { n = sorted(list, a); return a[n] }
function f2(v) { return v == "" ? "-" : sprintf("%.2f", v) }
# pct(A, B): 100 * (A / B - 1), or "" when there is nothing to compare
function pct(a, b) { return a == "" || b == "" || b + 0 == 0 ? "" : 100 * (a / b - 1) }
function show(v, sign) { return v == "" ? "n/a" : sprintf(sign ? "%+.1f%%" : "%.1f%%", v) }
{
	m = $2; rps[m] = rps[m] " " $3; err[m] += $8
	# paired: each mode against the nolog run of its own round
	if (m == "nolog") base[$1] = $3
	else if (base[$1] > 0) cost[m] = cost[m] " " 100 * (1 - $3 / base[$1])
	f = $6 == "-" ? 0 : $6
	busy[m] = busy[m] " " ($5 + f) * 100 / hz / dur
	if ($4 > 0) {
		s = $5 * 1e6 / hz / $4
		scpu[m] = scpu[m] " " s
		f = f * 1e6 / hz / $4
		if ($6 != "-") fcpu_[m] = fcpu_[m] " " f
		tcpu[m] = tcpu[m] " " (s + f)
	}
	if ($7 != "-") { runs++; lost += $7 }
}
END {
	printf "wrk -t1 -c%d -d%ds, keep-alive, GET of a 64-byte object; %d round(s) of the 3 modes\n", conns, dur, rounds
	printf "sluice on CPU %s, sluicelog (follow) on CPU %s; figures: medians over the rounds\n\n", pcpu, fcpu
	fmt = "%-7s %8s %8s %8s %12s %15s %12s %6s  %s\n"
	printf fmt, "mode", "req/s", "min", "max", "sluice us/rq", "sluicelog us/rq", "total us/rq",
	       "CPU %", "errors"
	split("nolog log follow", order, " ")
	for (i = 1; i <= 3; i++) {
		m = order[i]
		mr[m] = med(rps[m]); ms[m] = med(scpu[m]); mt[m] = med(tcpu[m]); mb[m] = med(busy[m])
		printf fmt, m, sprintf("%.0f", mr[m]), lo(rps[m]), hi(rps[m]), f2(ms[m]),
		       f2(med(fcpu_[m])), f2(mt[m]), sprintf("%.0f", mb[m]), err[m] + 0
	}
	printf "\nnolog: shm-log off; log: on, nobody reading; follow: on, sluicelog following\n"
	printf "the ring (output to /dev/null). us/rq: CPU microseconds (user + system) per\n"
	printf "request; total: sluice + sluicelog. CPU %%: their CPU time over the run (100:\n"
	printf "one CPU busy all the time).\n\n"
	# costs: 100 * (1 - rps / rps_nolog) = -pct(rps, rps_nolog)
	c = pct(mr["log"], mr["nolog"]); if (c != "") c = -c
	printf "req/s cost of logging (log vs nolog):    %6s\n", show(c)
	c = pct(mr["follow"], mr["nolog"]); if (c != "") c = -c
	printf "req/s cost of logging (follow vs nolog): %6s\n", show(c)
	if (rounds > 1) {
		# the verdict from the paired costs: slow phases of the machine
		# move the three runs of a round together, not the medians of modes
		printf "paired, each round against its own nolog run: median (quartiles)\n"
		printf "  log    %6s (%s to %s)\n", show(med(cost["log"])),
		       show(q(cost["log"], 1)), show(q(cost["log"], 3))
		c = med(cost["follow"])
		printf "  follow %6s (%s to %s)\n", show(c),
		       show(q(cost["follow"], 1)), show(q(cost["follow"], 3))
	}
	printf "target: follow costs at most 2%% of req/s: %s\n",
	       c == "" ? "n/a" : c <= 2 ? "met" : "NOT met"
	printf "CPU cost per request: log %s, follow (sluice + sluicelog) %s\n",
	       show(pct(ms["log"], ms["nolog"]), 1), show(pct(mt["follow"], mt["nolog"]), 1)
	if (rounds > 1 && mr["nolog"] > 0) {
		printf "nolog req/s spread over the rounds, (max - min) / median: %.1f%%\n",
		       100 * (hi(rps["nolog"]) - lo(rps["nolog"])) / mr["nolog"]
		printf "(differences in req/s smaller than that are noise)\n"
	} else if (rounds == 1)
		printf "one round: no spread to tell the noise by; BENCH_ROUNDS=3 or more\n"
	if (mb["nolog"] < 90) {
		printf "sluice kept its CPU %.0f%% busy in nolog: wrk and the origin are the limit,\n", mb["nolog"]
		printf "and req/s shows the cost of logging only once the proxy CPU is full; CPU per\n"
		printf "request shows it in any case\n"
	}
	if (lost) printf "sluicelog lost records in %d of %d follow run(s) (below)\n", lost, runs
	else printf "sluicelog lost no record (%d follow run(s))\n", runs
}' "$results"
if [ -s "$tmp/lost.txt" ]; then
	sed 's/^/    /' "$tmp/lost.txt"
fi

# --- instructions per request under callgrind (BENCH_CALLGRIND=1) ----------
echo
if [ "$callgrind" != 1 ]; then
	echo "(instructions per request: BENCH_CALLGRIND=1, needs valgrind)"
	exit 0
fi
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "(instructions per request skipped: valgrind or callgrind_annotate not in PATH)"
	exit 0
fi

# One keep-alive connection, N sequential GETs, each response read whole.
cat >"$tmp/client.py" <<'EOF'
import socket, sys

port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=60)
req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
buf = b""


def fill(cond):
    global buf
    while not cond():
        data = s.recv(65536)
        if not data:
            sys.exit("connection closed after %d responses" % done)
        buf += data


for done in range(n):
    s.sendall(req)
    fill(lambda: b"\r\n\r\n" in buf)
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    if lines[0].split()[1:2] != [b"200"]:
        sys.exit("response %d: %r" % (done, lines[0]))
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length != 64:
        sys.exit("response %d: Content-Length %r, not 64" % (done, length))
    fill(lambda: len(buf) >= length)
    buf = buf[length:]
EOF

# cg_total CFG N: callgrind's instruction total of a fresh sluice with
# configuration CFG that served N requests on one connection (plus
# wait_ready's), counted in cg_fn and below; into cg.
cg_total() {
	local cfg=$1 n=$2 out=$tmp/callgrind-$1-$2.out vpid
	sluice_start "callgrind-$cfg-$n" "$cfg" valgrind --tool=callgrind \
		--toggle-collect="$cg_fn" --callgrind-out-file="$out"
	vpid=$last_pid
	# valgrind starts slowly: up to about 20 s
	if ! wait_ready "$sluice_port" "$vpid" 400; then
		sed 's/^/    /' "$tmp/callgrind-$cfg-$n.log" >&2 || true
		die "sluice under valgrind ($cfg) did not serve the object"
	fi
	"${pin_load[@]}" "$python" "$tmp/client.py" "$sluice_port" "$object" "$n" ||
		die "the callgrind client failed ($cfg, $n requests)"
	stop "$vpid" INT      # callgrind writes its file at exit
	cg=$(callgrind_annotate "$out" 2>/dev/null |
		awk '/PROGRAM TOTALS/ && !n++ { gsub(/,/, "", $1); print $1 }')
	[[ $cg =~ ^[0-9]+$ ]] || die "no PROGRAM TOTALS in $out"
}

declare -A ipr
for cfg in nolog log; do
	say "callgrind: sluice, $cfg, $cg_short then $cg_long requests on one connection"
	cg_total "$cfg" "$cg_short"
	t_short=$cg
	cg_total "$cfg" "$cg_long"
	ipr[$cfg]=$(((cg - t_short) / (cg_long - cg_short)))
done
awk -v off="${ipr[nolog]}" -v on="${ipr[log]}" -v a="$cg_short" -v b="$cg_long" -v fn="$cg_fn" 'BEGIN {
	printf "callgrind, one keep-alive connection, (%d - %d requests) / %d: instructions\n", b, a, b - a
	printf "per request of sluice in %s and below (user space only)\n", fn
	printf "  log off  %8d\n  log on   %8d\n", off, on
	# computed first: a ">" among the arguments of printf is a redirection
	share = on > 0 ? 100 * (on - off) / on : 0
	more = off > 0 ? 100 * (on - off) / off : 0
	printf "logging: %d instructions per request, %.1f%% of the user-space instructions\n", on - off, share
	printf "of a logged request (%+.1f%% over log off)\n", more
}'
