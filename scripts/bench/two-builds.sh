# SPDX-License-Identifier: GPL-2.0
#
# Sourced by compare.sh and instructions.sh: bench_two_builds BASE builds
# the userspace benchmark of commit BASE (in a temporary worktree) and of
# the working tree, as $tmp/old and $tmp/new; $tmp and the worktree go
# when the script exits.  Both are built with the working tree's harness
# (the benchmark program and the workloads it shares with the stress
# tester), so that only the core differs; HARNESS=base keeps BASE's own.

tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

bench_two_builds() {
	git worktree add -q --detach "$tmp/base" "$1"
	if [ "${HARNESS:-new}" != base ]; then
		cp user/bench_nbbs_core.c "$tmp/base/user/"
		cp nbbs_workload.c nbbs_workload.h "$tmp/base/"
	fi
	make -s -C "$tmp/base" "$tmp/base/build/user/bench_nbbs_core" >/dev/null
	make -s "$PWD/build/user/bench_nbbs_core" >/dev/null
	cp "$tmp/base/build/user/bench_nbbs_core" "$tmp/old"
	cp build/user/bench_nbbs_core "$tmp/new"
}
