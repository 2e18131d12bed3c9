#!/bin/sh
# Install the build dependencies that are missing: zlib, libcsv, Check and
# pkg-config (Debian names).  Needs root for apt-get; otherwise it says
# what to install and stops.
set -u
missing=""
have_header() {
	printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1
}
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
have_header zlib.h || missing="$missing zlib1g-dev"
have_header csv.h || missing="$missing libcsv-dev"
have_header check.h || missing="$missing check"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: please install:$missing (as root: apt-get install$missing)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
	echo "deps: apt-get install$missing failed" >&2
	exit 2
}
