#!/bin/bash
# The whole test suite, as CI runs it (.ci/run):
#   1. scripts/setup.sh (packages)
#   2. build/ with -Werror, unit tests (meson test)
#   3. the 'server' suite (tests/server) again on build/, as nobody: they
#      must need no root
#   4. build-asan/ with ASan + UBSan, unit tests again (server suite too)
#   5. system tests (tests/system, pytest) on build/, then on build-asan/:
#      real kperfd and kperf across network namespaces; they need root and
#      skip without it.
#   6. VM tests (tests/vm, pytest) on build/: kperf in a qemu guest running
#      Debian's kernel (kTLS); they skip when the lab cannot run.
# Every stage runs even when an earlier one failed (except what needs a
# build that failed); the exit code is non-zero when any stage failed.
#
# Environment: PYTEST_ARGS (extra pytest arguments, e.g. "-k stream -x"),
# KPERF_SOAK_RUNS (default 200; KPERF_SOAK_RUNS_ASAN, default 50, on
# build-asan/), SYSTEM_TIMEOUT (seconds per system-test run, default 600),
# VM_TIMEOUT (seconds for the VM tests, default 240).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$KPERF_ROOT" || exit 1

results=()
failed=0
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
n_pass=0 n_fail=0 n_skip=0
count_meson() {	# count_meson LOG: add meson test's Ok/Fail/Skipped
	local ok bad skip
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
	n_pass=$((n_pass + ${ok:-0}))
	n_fail=$((n_fail + ${bad:-0}))
	n_skip=$((n_skip + ${skip:-0}))
}
count_pytest() {	# count_pytest LOG: add pytest's closing counts
	local line n
	line=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$1" |
	       tail -n 1)
	for kind in passed failed error skipped; do
		n=$(echo "$line" | grep -oE "[0-9]+ $kind" | grep -oE '[0-9]+')
		case $kind in
		passed) n_pass=$((n_pass + ${n:-0})) ;;
		failed|error) n_fail=$((n_fail + ${n:-0})) ;;
		skipped) n_skip=$((n_skip + ${n:-0})) ;;
		esac
	done
}
unit_tests() {	# unit_tests BUILD_DIR
	local log="$logdir/unit-$1.log" rc
	meson test -C "$1" --print-errorlogs 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count_meson "$log"
	return "$rc"
}
# The 'server' suite as nobody, to show it needs no root.  meson test
# would write its logs into the build tree, which nobody may not: the
# executables run directly, with the arguments meson lists for them, and
# are counted as meson counts (0 pass, 77 skip, else fail).
server_tests_nobody() {	# server_tests_nobody BUILD_DIR
	local name line out st rc=0
	local -a cmd
	while IFS=$'\t' read -r name line; do
		read -ra cmd <<< "$line"
		out=$(cd / && timeout -k 10 120 setpriv --reuid=nobody \
			--regid=nogroup --clear-groups -- "${cmd[@]}" 2>&1)
		st=$?
		case $st in
		0)	n_pass=$((n_pass + 1))
			echo "ok    $name" ;;
		77)	n_skip=$((n_skip + 1))
			echo "SKIP  $name: $(grep -m 1 '^SKIP' <<< "$out")" ;;
		*)	n_fail=$((n_fail + 1))
			rc=1
			echo "FAIL  $name (exit $st)"
			tail -n 20 <<< "$out" ;;
		esac
	done < <(meson introspect --tests "$1" | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if any(s.endswith(":server") for s in t["suite"]):
        print(t["name"] + "\t" + " ".join(t["cmd"]))')
	return "$rc"
}
stage() {	# stage NAME COMMAND...: run, record the outcome
	local name=$1 t0=$SECONDS rc
	shift
	say "$name"
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		results+=("ok      $name ($((SECONDS - t0)) s)")
	else
		results+=("FAILED  $name (exit $rc, $((SECONDS - t0)) s)")
		failed=1
	fi
	return "$rc"
}
summary() {
	local n_ok n_bad
	n_ok=$(printf '%s\n' "${results[@]}" | grep -c '^ok ')
	n_bad=$(printf '%s\n' "${results[@]}" | grep -vc '^ok ')
	echo
	say "test.sh summary"
	printf '  %s\n' "${results[@]}"
	echo "stages: $n_ok ok, $n_bad not ok"
	# A stage that failed without failing a test (a build) still fails.
	[ "$n_bad" -gt 0 ] && [ "$n_fail" -eq 0 ] && n_fail=$n_bad
	echo "tests: $n_pass passed, $n_fail failed, $n_skip skipped"
}

system_tests() {	# system_tests BUILD_DIR
	# Debian's python3 (which has pytest), not whatever is first on PATH.
	# SIGINT on timeout: pytest unwinds and the lab's finalizers remove
	# the namespaces.
	local rc log="$logdir/system-$1.log"
	# shellcheck disable=SC2086
	KPERF_BUILD="$KPERF_ROOT/$1" KPERF_REQUIRE_BINARIES=1 \
	PYTHONDONTWRITEBYTECODE=1 \
		timeout -s INT -k 30 "${SYSTEM_TIMEOUT:-600}" \
		/usr/bin/python3 -m pytest -p no:cacheprovider -v -ra \
		${PYTEST_ARGS:-} tests/system 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count_pytest "$log"
	# 5: no test collected, which must not pass for a run of nothing.
	[ "$rc" -eq 5 ] && echo "test.sh: pytest collected no test" >&2
	return "$rc"
}

vm_tests() {	# vm_tests BUILD_DIR: tests/vm, one qemu boot (TCG) per module
	local rc log="$logdir/vm-$1.log"
	KPERF_BUILD="$KPERF_ROOT/$1" KPERF_REQUIRE_BINARIES=1 \
	PYTHONDONTWRITEBYTECODE=1 \
		timeout -s INT -k 30 "${VM_TIMEOUT:-240}" \
		/usr/bin/python3 -m pytest -p no:cacheprovider -v -ra \
		tests/vm 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count_pytest "$log"
	[ "$rc" -eq 5 ] && echo "test.sh: pytest collected no test" >&2
	return "$rc"
}

if ! stage "setup (packages)" bash "$KPERF_ROOT/scripts/setup.sh"; then
	summary
	exit 1
fi

# Sanitizers stop at the first error and say where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if stage "build (build/, -Werror)" kperf_build build -Dwerror=true; then
	stage "unit tests (build/)" unit_tests build
	stage "server tests as nobody (build/)" server_tests_nobody build
	built=1
else
	built=0
fi

if stage "build (build-asan/, ASan+UBSan)" kperf_build build-asan \
	-Db_sanitize=address,undefined -Db_lundef=false; then
	stage "unit tests (build-asan/)" unit_tests build-asan
	asan_built=1
else
	asan_built=0
fi

if [ $built -eq 1 ]; then
	stage "system tests (build/)" system_tests build
else
	results+=("SKIPPED system tests (build/ failed)")
fi
if [ $built -eq 1 ]; then
	stage "VM tests (build/)" vm_tests build
else
	results+=("SKIPPED VM tests (build/ failed)")
fi
# The same tests on the sanitizer build (a report in a kperfd log or on
# kperf's stderr fails the test), with a shorter soak.
if [ $asan_built -eq 1 ]; then
	KPERF_SOAK_RUNS=${KPERF_SOAK_RUNS_ASAN:-50} \
		stage "system tests (build-asan/)" system_tests build-asan
else
	results+=("SKIPPED system tests on build-asan/ (build failed)")
fi

summary
exit $failed
