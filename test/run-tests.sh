#!/bin/bash
# Run every racing test: pg_regress suites, isolation specs, TAP tests
# and a short fuzzing run.  Installs missing packages, builds with
# -Wall -Wextra -Werror, installs, then runs everything in throwaway
# instances (pg_regress --temp-instance; TAP clusters of their own),
# as the postgres user when started as root, because initdb refuses root.
#
# Ends with a line "N passed, N failed" (pg_regress and isolation count a
# test file each, TAP counts each assertion) and exits non-zero when
# anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash test/deps.sh || exit 1
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PATH=/usr/lib/postgresql/15/bin:$PATH

make -s PG_CONFIG=$PG_CONFIG || { echo "0 passed, 1 failed"; exit 1; }
if [ "$(id -u)" = 0 ]; then
	make -s PG_CONFIG=$PG_CONFIG install >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
else
	echo "racing: not root, assuming 'make install' was done" >&2
fi

# A private copy of the tree and of the shared data, readable and
# writable by the user that runs the servers.
work=$(mktemp -d /tmp/racing-test.XXXXXX)
mkdir -p "$work/main" "$work/shared"
tar -C "$here" --exclude=.git --exclude='tmp_check*' --exclude=results \
	--exclude=output_iso -cf - . | tar -C "$work/main" -xf -
if [ -d "$here/../shared/data" ]; then
	cp -r "$here/../shared/data" "$work/shared/data"
fi
runas=()
if [ "$(id -u)" = 0 ]; then
	chown -R postgres: "$work"
	runas=(runuser -u postgres --)
fi

passed=0
failed=0
log="$work/test.log"

# META.json and racing.control must name the same version.
control_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" racing.control)
meta_versions=$(awk '/meta-spec/ {exit} {print}' META.json | grep -oE '"version" *: *"[0-9][^"]*"' | grep -oE '[0-9][0-9.]*' | sort -u)
if [ "$meta_versions" = "$control_version" ]; then
	echo "ok: META.json and racing.control agree on version $control_version"
	passed=$((passed + 1))
else
	echo "FAILED: META.json versions ($meta_versions) differ from racing.control ($control_version)"
	failed=$((failed + 1))
fi

# pg_regress prints "All N tests passed." or "M of N tests failed."
count_regress()
{
	local out=$1 n m
	if n=$(grep -oE 'All [0-9]+ tests passed' "$out" | grep -oE '[0-9]+'); then
		passed=$((passed + n))
	elif grep -qE '[0-9]+ of [0-9]+ tests failed' "$out"; then
		m=$(grep -oE '[0-9]+ of [0-9]+ tests failed' "$out" | head -1)
		n=$(echo "$m" | awk '{print $3}')
		m=$(echo "$m" | awk '{print $1}')
		failed=$((failed + m))
		passed=$((passed + n - m))
	else
		failed=$((failed + 1))
	fi
}

run_make()
{
	(cd "$work/main" && "${runas[@]}" env PATH="$PATH" \
		make PG_CONFIG=$PG_CONFIG "$@")
}

echo "== regression tests"
run_make installcheck ISOLATION= TAP_TESTS= 2>&1 | tee "$work/regress.out"
count_regress "$work/regress.out"
[ -s "$work/main/regression.diffs" ] && cp "$work/main/regression.diffs" "$here/regression.diffs"

if ls test/isolation/specs/*.spec >/dev/null 2>&1; then
	echo "== isolation tests"
	run_make installcheck REGRESS= TAP_TESTS= 2>&1 | tee "$work/iso.out"
	count_regress "$work/iso.out"
	[ -s "$work/main/output_iso/regression.diffs" ] && \
		cp "$work/main/output_iso/regression.diffs" "$here/isolation.diffs"
fi

if ls test/t/*.pl >/dev/null 2>&1; then
	echo "== TAP tests"
	run_make installcheck REGRESS= ISOLATION= PROVE_TESTS='test/t/*.pl' \
		PROVE_FLAGS=-v 2>&1 | tee "$work/tap.out"
	ok=$(grep -cE '^ *ok [0-9]+' "$work/tap.out")
	nok=$(grep -cE '^ *not ok [0-9]+' "$work/tap.out")
	if ! grep -q '^Result: PASS' "$work/tap.out" && [ "$nok" = 0 ]; then
		nok=1		# a script died before its plan was done
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
fi

if [ -x test/fuzz/run.sh ]; then
	echo "== fuzzing (short run)"
	if "${runas[@]}" bash "$work/main/test/fuzz/run.sh" 2>&1 | tee "$work/fuzz.out"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

if [ "$failed" = 0 ]; then
	rm -rf "$work"
else
	echo "test output kept in $work"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
