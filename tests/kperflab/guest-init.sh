#!/bin/sh
# /init of the kperf VM lab's guest (busybox sh; vmlab.py builds the
# initramfs around it).  It sets up two network namespaces "a" and "b"
# joined by a veth pair, starts kperfd in each, runs the cases in "a",
# reports them on the second serial port (ttyS1, a file on the host) and
# powers off.  Human-readable progress goes to the console (ttyS0).
#
# Results channel, one record a line (vmlab.py parses it):
#   @@KPERF-VM-BOOTED kernel=R cpus=N
#   @@KPERF-VM-SETUP-FAILED text          (then only FILE records, DONE)
#   @@KPERF-CASE-BEGIN name
#   @@KPERF-DATA name STREAM base64-line  STREAM: stdout, stderr,
#                                         tls-before-a, tls-after-b, ...
#   @@KPERF-CASE-END name rc=N secs=S timeout=0|1
#   @@KPERF-FILE file-name base64-line    kperfd logs, dmesg
#   @@KPERF-VM-DONE
# Everything variable is base64, so no console mangling can fake a record.
#
# shellcheck disable=SC2015  # "a && b || setup_failed": either failing

export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
CFG=/etc/kperf-vm
# shellcheck source=/dev/null
. $CFG/config	# GUEST_TIMEOUT KPERFD_WAIT CASE_COUNT

say() { read -r up _ < /proc/uptime; echo "kperf-vm [$up]: $*"; }
# This busybox's sh runs its own applets before PATH: iproute2's ip (netns,
# veth) by its path.
ip() { /sbin/ip "$@"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

# The results channel: raw, so the tty adds no \r and echoes nothing.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
rec() { echo "$*" >&3; }
# emit NAME STREAM FILE: FILE as DATA (or FILE when NAME is "-") records
emit() {
	[ -s "$3" ] || return 0
	if [ "$1" = - ]; then
		base64 "$3" | sed "s/^/@@KPERF-FILE $2 /" >&3
	else
		base64 "$3" | sed "s/^/@@KPERF-DATA $1 $2 /" >&3
	fi
}
finish() {
	for ns in a b; do
		emit - kperfd-$ns.log /tmp/kperfd-$ns.log
	done
	dmesg > /tmp/dmesg.log 2>&1
	emit - dmesg.log /tmp/dmesg.log
	rec "@@KPERF-VM-DONE"
	# Closing the last descriptor of a serial port waits for its output
	# to drain; nothing else holds fd 3 (every child gets 3>&-).
	exec 3>&-
	say "done, powering off"
	poweroff -f
}
setup_failed() {
	say "setup failed: $*"
	rec "@@KPERF-VM-SETUP-FAILED $*"
	ps -o pid,args 2>&1
	for ns in a b; do
		echo "-- namespace $ns"
		ip -n $ns addr 2>&1
		ip netns exec $ns cat /proc/net/tcp /proc/net/tcp6 2>&1
	done
	finish
}

# A guest that hangs still ends, before the host's timeout, with its logs.
( sleep "$GUEST_TIMEOUT"; say "guest timeout (${GUEST_TIMEOUT}s)";
  echo "@@KPERF-VM-GUEST-TIMEOUT" > /dev/ttyS1; poweroff -f ) 3>&- &

# uptime in hundredths of a second
now_cs() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}"; }

hostname kperf-vm
rec "@@KPERF-VM-BOOTED kernel=$(uname -r) cpus=$(nproc)"
say "booted $(uname -r), $(nproc) CPUs"

# Modules, in dependency order (vmlab.py resolved it, busybox depmod wrote
# modules.dep so modprobe works for the cases too).
failed=""
while read -r m; do
	modprobe "$m" 2>&1 || failed="$failed $m"
done < $CFG/modules.load
[ -n "$failed" ] && say "modules that did not load:$failed"
grep -qw '^tls' /proc/modules || say "the tls module is not loaded"

ip link set lo up
ip netns add a && ip netns add b || setup_failed "ip netns add"
ip link add veth0 netns a type veth peer name veth0 netns b ||
	setup_failed "ip link add veth"
ip -n a addr add 198.18.0.1/24 dev veth0 &&
ip -n b addr add 198.18.0.2/24 dev veth0 || setup_failed "ip addr add"
for ns in a b; do
	ip -n $ns link set lo up && ip -n $ns link set veth0 up ||
		setup_failed "ip link set up in $ns"
done
# RPS over every CPU on each veth's receive queue.
mask=$(printf '%x' $(( (1 << $(nproc)) - 1 )))
for ns in a b; do
	ip netns exec $ns sh -c \
		"echo $mask > /sys/class/net/veth0/queues/rx-0/rps_cpus" ||
		setup_failed "rps_cpus in $ns"
done

for ns in a b; do
	ip netns exec $ns kperfd --foreground </dev/null \
		>/tmp/kperfd-$ns.log 2>&1 3>&- &
done
# Listening on 18323 (0x4793): state 0A in /proc/net/tcp or tcp6.
listening() {
	ip netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		grep -q ':4793 [0-9A-F:]* 0A'
}
waited=0
until listening a && listening b; do
	[ $waited -ge $((KPERFD_WAIT * 10)) ] &&
		setup_failed "kperfd not listening after ${KPERFD_WAIT}s"
	usleep 100000
	waited=$((waited + 1))
done
say "kperfd listening in a and b; running $CASE_COUNT cases"

i=0
while [ $i -lt "$CASE_COUNT" ]; do
	read -r name limit < $CFG/case-$i.name
	rec "@@KPERF-CASE-BEGIN $name"
	say "case $name"
	for ns in a b; do
		ip netns exec $ns cat /proc/net/tls_stat >/tmp/tls 2>/dev/null &&
			emit "$name" tls-before-$ns /tmp/tls
	done
	t0=$(now_cs)
	ip netns exec a timeout -s TERM -k 5 "$limit" sh $CFG/case-$i.sh \
		</dev/null >/tmp/out 2>/tmp/err 3>&-
	rc=$?
	t1=$(now_cs)
	secs=$(( (t1 - t0) / 100 )).$(printf '%02d' $(( (t1 - t0) % 100 )))
	to=0
	case $rc in 143|137)
		[ $((t1 - t0)) -ge $((limit * 100)) ] && to=1 ;;
	esac
	for ns in a b; do
		ip netns exec $ns cat /proc/net/tls_stat >/tmp/tls 2>/dev/null &&
			emit "$name" tls-after-$ns /tmp/tls
	done
	emit "$name" stdout /tmp/out
	emit "$name" stderr /tmp/err
	rec "@@KPERF-CASE-END $name rc=$rc secs=$secs timeout=$to"
	say "case $name: rc=$rc in ${secs}s"
	i=$((i + 1))
done
finish
