#!/bin/sh
# deps.sh: install the Debian 12 packages needed to build, run, test and
# benchmark sluice. Silent and quick when everything is already there.
#
# Root: installs what is missing (one "apt-get update", then "apt-get install").
# Not root: prints what is missing and the command to run, then exits 1.
# Services shipped by the packages (nginx, haproxy) are never started by this
# script: the tests and the quick start run their own instances on loopback.
set -eu

PKGS="
build-essential
clang
libclang-rt-14-dev
python3-pytest
python3-h2
curl
nghttp2-client
wrk
nginx-light
haproxy
linux-perf
libnghttp2-dev
libpcre2-dev
libxxhash-dev
liburcu-dev
libssl-dev
pkg-config
libncurses-dev
socat
valgrind
"
# socat is for talking to the stats socket by hand (see README.md);
# valgrind's memcheck runs the unit tests (reads of uninitialised memory).
# Notes: libclang-rt-14-dev provides libclang_rt.fuzzer and the ASan/UBSan
# runtimes for clang 14. Any nginx flavour (nginx, nginx-light, nginx-full...)
# provides /usr/sbin/nginx; nginx-light is only installed when none is there.

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
}

missing=""
for p in $PKGS; do
	if [ "$p" = nginx-light ] && [ -x /usr/sbin/nginx ]; then
		continue
	fi
	installed "$p" || missing="$missing $p"
done
missing="${missing# }"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages: $missing" >&2
	echo "deps.sh: install them as root with:" >&2
	echo "    apt-get update && apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

echo "deps.sh: installing: $missing"

# Keep package maintainer scripts from starting nginx or haproxy as system
# services (nginx's would bind port 80). policy-rc.d is Debian's switch for
# that; put one in place for the duration of the install if none exists.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from sluice scripts/deps.sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
cleanup() {
	[ "$own_policy" = 1 ] && rm -f "$policy"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing </dev/null

# If a service manager started nginx anyway, stop it: nothing here needs it.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for s in nginx haproxy; do
		systemctl disable --now "$s" >/dev/null 2>&1 || true
	done
fi

still=""
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "deps.sh: still missing after install:$still" >&2
	exit 1
fi
echo "deps.sh: done"
