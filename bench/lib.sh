# bench/lib.sh: shell functions shared by the bench scripts (run.sh, lb.sh,
# logcost.sh, sluicelog-rate.sh). Sourced, not run. The sourcing script
# sets, before calling them:
#   bench_tag           the prefix of its messages ("bench" for run.sh)
#   python              the python3 binary, for free_ports
#   proxy_cpu, load_cpu for bench_pinning
#   conns, object       for wrk_run and wait_ready
# and gets from them: pin_proxy, pin_load (bench_pinning); tmp, pids,
# user_line (bench_tmpdir); last_pid (start).
# shellcheck shell=bash disable=SC2034,SC2154 # variables shared with the sourcing script

die() { echo "$bench_tag: $*" >&2; exit 1; }
say() { echo "$bench_tag: $*" >&2; }

# check_positive VAR...: each of these variables must hold a positive
# integer (they come from BENCH_<VAR>).
check_positive() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v^^} must be a positive integer"
	done
}

# need_tools TOOL...: each must be in PATH.
need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/deps.sh (as root)"
	done
}

# bench_pinning: the proxy alone on one CPU, the load generator and the
# origin on another, so that the proxy's CPU is not shared with what drives
# it. Sets the command prefixes pin_proxy and pin_load.
bench_pinning() {
	if [ "$(nproc)" -ge 2 ]; then
		pin_proxy=(taskset -c "$proxy_cpu")
		pin_load=(taskset -c "$load_cpu")
	else
		say "only one CPU: running without pinning; figures will be noisy"
		pin_proxy=()
		pin_load=()
	fi
}

# bench_tmpdir NAME: a private directory $tmp for the run's files, and the
# traps that stop every process whose PID is in $pids and remove $tmp on
# exit, interrupt or termination.
bench_tmpdir() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	chmod 755 "$tmp"
	pids=()
	user_line=""
	[ "$(id -u)" = 0 ] && user_line="user root root;"
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# shellcheck disable=SC2317 # reached through the trap
bench_cleanup() {
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

# free_ports N: N ports the kernel says are free now (ephemeral range,
# loopback), on one line.
free_ports() {
	"$python" -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])' "$1"
}

# nginx_conf NAME HTTP_BODY [MAIN]: a one-worker nginx config with its files
# in $tmp; MAIN goes into the main context (e.g. worker_rlimit_nofile).
nginx_conf() {
	cat <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/$1.pid;
error_log $tmp/$1-error.log warn;${3:+
$3}
events { worker_connections ${nginx_worker_conns:-4096}; }
http {
    access_log off;
    server_tokens off;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_body_temp_path $tmp/$1-body;
    proxy_temp_path $tmp/$1-proxy;
    fastcgi_temp_path $tmp/$1-fastcgi;
    uwsgi_temp_path $tmp/$1-uwsgi;
    scgi_temp_path $tmp/$1-scgi;
$2
}
EOF
}

# origin_64b PORT: the origin of run.sh, logcost.sh and sluicelog-rate.sh:
# a 64-byte object at /64b under $tmp/www, served by the nginx config it
# writes to $tmp/origin.conf (listening on 127.0.0.1:PORT).
origin_64b() {
	mkdir -p "$tmp/www"
	printf '%063d\n' 0 >"$tmp/www/64b"
	nginx_conf origin "    server {
        listen 127.0.0.1:$1;
        root $tmp/www;
        default_type application/octet-stream;
    }" >"$tmp/origin.conf"
}

# proxy_cfg PORT ORIGIN_PORTS [GLOBAL [BACKEND]]: the HAProxy-syntax file
# that sluice and HAProxy both read. HAProxy 2.6's defaults apply to both:
# keep-alive on both sides, idle server connections reused. nbthread 1,
# maxconn 4096, a frontend on 127.0.0.1:PORT and one backend with a server
# per port of ORIGIN_PORTS (space-separated): backend "origin" with server
# "origin" for a single port, backend "origins" with servers o1, o2...
# otherwise. GLOBAL: extra lines for the global section, right after
# nbthread (e.g. "shm-log off"); BACKEND: extra lines for the backend,
# before its servers (e.g. "balance leastconn"). Newline-separated, without
# their indentation.
proxy_cfg() {
	local port=$1 global=${3:-} backend=${4:-} name=origin line i
	local -a origins
	read -r -a origins <<<"$2"
	[ "${#origins[@]}" -gt 1 ] && name=origins
	echo "global"
	echo "    nbthread 1"
	while IFS= read -r line; do
		[ -z "$line" ] || echo "    $line"
	done <<<"$global"
	cat <<EOF
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend bench
    bind 127.0.0.1:$port
    default_backend $name

backend $name
EOF
	while IFS= read -r line; do
		[ -z "$line" ] || echo "    $line"
	done <<<"$backend"
	if [ "${#origins[@]}" = 1 ]; then
		echo "    server origin 127.0.0.1:${origins[0]}"
	else
		for i in "${!origins[@]}"; do
			echo "    server o$((i + 1)) 127.0.0.1:${origins[$i]}"
		done
	fi
}

# start NAME CMD...: starts CMD in the background, output to $tmp/NAME.log;
# its PID goes into last_pid and pids.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	last_pid=$!
	pids+=("$last_pid")
}

# stop PID [SIGNAL]: SIGNAL (default TERM), then waits for it and takes it
# out of pids, so that the cleanup never signals a PID that may have been
# reused since.
stop() {
	local p keep=()
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

# wait_ready PORT PID [TRIES]: until GET $object answers 200 with the 64-byte
# object; TRIES (default 100) attempts 50 ms apart.
wait_ready() {
	local body
	for _ in $(seq "${3:-100}"); do
		kill -0 "$2" 2>/dev/null || return 1
		body=$(curl -fsS "http://127.0.0.1:$1$object" 2>/dev/null) && [ ${#body} = 63 ] && return 0
		sleep 0.05
	done
	return 1
}

# cpu_ticks PID...: utime+stime of these processes (all their threads).
cpu_ticks() {
	local p total=0 stat
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		stat=${stat##*) }          # fields after "(comm) "; utime is the 12th
		# shellcheck disable=SC2086
		set -- $stat
		total=$((total + ${12} + ${13}))
	done
	echo "$total"
}

# wrk_run PORT SECONDS OUT [WRK OPTION...]: load from the load CPU, keep-alive
# unless the options say otherwise (e.g. -H "Connection: close").
wrk_run() {
	local port=$1 secs=$2 out=$3
	shift 3
	"${pin_load[@]}" wrk -t1 -c"$conns" -d"$secs"s --latency "$@" \
		"http://127.0.0.1:$port$object" >"$out" 2>&1
}

# Parse wrk's output: requests, req/s, p99 in ms, errors (non-2xx + socket).
wrk_parse() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
		return v + 0
	}
	/requests in/          { req = $1 }
	/^Requests\/sec:/      { rps = $2 }
	/^ +99%/               { p99 = ms($2) }
	/Non-2xx or 3xx/       { err += $NF }
	/Socket errors:/       { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	END { printf "%d %.0f %.3f %d\n", req, rps, p99, err }' "$1"
}
