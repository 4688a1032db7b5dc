#!/bin/sh
# Installs the Debian packages a target needs, or says how to.
# Usage: deps.sh GROUP...   (a group is scripts/deps/GROUP.txt: package names, # comments)
# As root, missing packages are installed with apt-get; otherwise the exact
# command is printed and the script fails, so nothing half-builds.
set -eu

here=$(dirname "$0")

for group in "$@"; do
    if [ ! -f "$here/deps/$group.txt" ]; then
        echo "deps.sh: unknown group $group (no $here/deps/$group.txt)" >&2
        exit 2
    fi
done

packages_for() {
    sed -e 's/#.*//' "$here/deps/$1.txt"
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
