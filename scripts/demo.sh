#!/bin/bash
# kperf demo: install what is needed, build, and run a 2-flow stream test
# between two kperfd servers.
#
# As root: two network namespaces ("hosts") joined by a veth pair,
# 198.18.0.1/24 and 198.18.0.2/24, RPS on each veth receive queue so each
# flow's RX CPU is picked by hash, one kperfd in each, the client in the
# first.  Not root: two kperfd on 127.0.0.1 (ports 18323 and 18324).
# Everything it started is stopped, and the namespaces deleted, on any exit.
#
# Environment: DEMO_TIME (seconds, default 3), DEMO_FLOWS (default 2).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$KPERF_ROOT"

T=${DEMO_TIME:-3}
N=${DEMO_FLOWS:-2}
KPERFD=$KPERF_ROOT/build/src/server/kperfd
KPERF=$KPERF_ROOT/build/src/client/kperf
PORT=18323

bash scripts/setup.sh
TMP=$(mktemp -d /tmp/kperf-demo.XXXXXX)
say "building (log: build.log, shown on failure)"
# shellcheck disable=SC2046
if ! kperf_build build $(kperf_werror) >"$TMP/build.log" 2>&1; then
	cat "$TMP/build.log"
	rm -rf "$TMP"
	die "build failed"
fi
rm -f "$TMP/build.log"
if [ ! -x "$KPERFD" ] || [ ! -x "$KPERF" ]; then
	rm -rf "$TMP"
	die "build/ has no kperfd or kperf"
fi
PIDS=()
NSES=()

cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for i in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${NSES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ $rc -ne 0 ]; then
		for f in "$TMP"/*.log; do
			[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	rm -rf "$TMP"
	[ ${#NSES[@]} -gt 0 ] && say "cleaned up: kperfd stopped, namespaces ${NSES[*]} deleted"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_listen PID PORT [NS]: until PID listens on PORT (5 s at most).
wait_listen() {
	local pid=$1 port=$2 ns=${3:-} i in_ns=()
	[ -n "$ns" ] && in_ns=(ip netns exec "$ns")
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || die "kperfd (pid $pid) exited"
		if "${in_ns[@]}" ss -ltnH "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	die "kperfd (pid $pid) does not listen on port $port after 5 s"
}

if [ "$(id -u)" -ne 0 ]; then
	say "not root: no network namespaces; falling back to two kperfd on loopback"
	for port in 18323 18324; do
		if ss -ltnH "sport = :$port" | grep -q .; then
			die "port $port on this machine is taken: stop what listens there"
		fi
		"$KPERFD" --foreground --addr 127.0.0.1 --port "$port" \
			2>"$TMP/kperfd-$port.log" &
		PIDS+=($!)
		wait_listen $! "$port"
	done
	say "kperf --src 127.0.0.1 --dst 127.0.0.1 --dst-svc 18324 -t $T -n $N"
	"$KPERF" --src 127.0.0.1 --dst 127.0.0.1 --dst-svc 18324 -t "$T" -n "$N"
	exit 0
fi

# Two hosts: kperf-demo-<pid>-a (198.18.0.1), kperf-demo-<pid>-b (198.18.0.2)
A=kperf-demo-$$-a
B=kperf-demo-$$-b
MASK=$(all_cpus_mask)
say "lab: $A (198.18.0.1) <-veth-> $B (198.18.0.2), rps_cpus=$MASK"
for ns in "$A" "$B"; do
	ip netns add "$ns"
	NSES+=("$ns")
	ip -n "$ns" link set lo up
done
ip -n "$A" link add veth0 type veth peer name veth0 netns "$B"
i=1
for ns in "$A" "$B"; do
	ip -n "$ns" addr add "198.18.0.$i/24" dev veth0
	ip -n "$ns" link set veth0 up
	for q in $(ip netns exec "$ns" sh -c 'ls -d /sys/class/net/veth0/queues/rx-*'); do
		ip netns exec "$ns" sh -c "echo $MASK > $q/rps_cpus"
	done
	i=$((i + 1))
done

for ns in "$A" "$B"; do
	ip netns exec "$ns" "$KPERFD" --foreground --port $PORT \
		2>"$TMP/kperfd-$ns.log" &
	PIDS+=($!)	# ip netns exec execs kperfd: this is kperfd's PID
	wait_listen $! $PORT "$ns"
done
say "kperfd running in $A (pid ${PIDS[0]}) and $B (pid ${PIDS[1]})"

say "ip netns exec $A kperf --src 198.18.0.1 --dst 198.18.0.2 -t $T -n $N"
ip netns exec "$A" "$KPERF" --src 198.18.0.1 --dst 198.18.0.2 -t "$T" -n "$N"
