# shellcheck shell=bash
# Shared by the scripts in this folder: source it, don't run it.
#
#   . "$(dirname "$0")/lib.sh"
#   kperf_build build -Dwerror=true    # configure (or reconfigure) + ninja

KPERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '==> %s\n' "$*"; }
die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# kperf_build DIR [MESON OPTION...]: configure DIR with the options given
# (setting them again on an existing tree, so a tree configured otherwise
# before is brought in line), then build it.
kperf_build() {
	local dir=$1
	shift
	cd "$KPERF_ROOT" || return 1
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		say "meson configure $dir $*"
		if ! meson configure "$dir" "$@"; then
			say "reconfigure failed: setting $dir up from scratch"
			meson setup --wipe "$dir" "$@" || return 1
		fi
	else
		say "meson setup $dir $*"
		meson setup "$dir" "$@" || return 1
	fi
	say "ninja -C $dir"
	ninja -C "$dir"
}

# Werror in CI, as STYLE.md asks; warnings only by hand.
kperf_werror() {
	if [ "${CI:-}" = true ]; then echo -Dwerror=true; else echo -Dwerror=false; fi
}

# all_cpus_mask: an rps_cpus value with every CPU set ("3" for 2 CPUs,
# "f,ffffffff" for 36: hex in 32-bit groups, as the kernel prints masks).
all_cpus_mask() {
	local n left groups="" g
	n=$(nproc --all)
	left=$n
	while [ "$left" -gt 0 ]; do
		if [ "$left" -ge 32 ]; then g=ffffffff; left=$((left - 32))
		else g=$(printf '%x' $(((1 << left) - 1))); left=0
		fi
		groups="$g${groups:+,}$groups"
	done
	echo "$groups"
}
