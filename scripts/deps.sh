#!/bin/sh
# Installs the Debian packages a target needs, or says how to.
# Usage: deps.sh GROUP...   (groups: base memcheck)
# As root, missing packages are installed with apt-get; otherwise the exact
# command is printed and the script fails, so nothing half-builds.
set -eu

packages_for() {
    case "$1" in
    base) echo "make gcc pkg-config lua5.4 liblua5.4-dev libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev lua-busted lua-socket lua-dkjson ca-certificates" ;;
    memcheck) echo "valgrind" ;;
    *) echo "deps.sh: unknown group $1" >&2; exit 2 ;;
    esac
}

missing=""
for group in "$@"; do
    for pkg in $(packages_for "$group"); do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
        esac
    done
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "Installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be absent on a fresh image; one update is enough.
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "Missing Debian packages:$missing" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
