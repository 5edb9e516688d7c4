#!/bin/bash
# Install every Debian package kperf needs to build, test and demo.
# Idempotent: installs only what is missing (apt-get update only then).
# As root it installs; otherwise it names what is missing and fails.
set -euo pipefail

PACKAGES=(
	build-essential gcc clang meson ninja-build pkg-config	# build
	libcmocka-dev libcjson-dev liburing-dev libinih-dev	# libraries
	python3 python3-pytest					# system tests
	iproute2 procps iputils-ping strace			# test lab
	iperf3 iperf sockperf					# peers (bench/)
	qemu-system-x86 busybox-static				# VM lab (tests/vm)
	valgrind scdoc						# man pages
)

missing=()
for p in "${PACKAGES[@]}"; do
	if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}" >&2
	echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
echo "setup: done"
