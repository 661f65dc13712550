#!/bin/bash
#
# Short libFuzzer run over the pure-C part of the JSON feed readers
# (src/feeds_parse.c, harness test/fuzz/feeds_fuzz.c).  Builds with
# clang -fsanitize=fuzzer,address in a mktemp directory, runs for about
# 20 seconds from a small seed corpus and exits 0 when no crash was found.
# Writes nothing outside its temporary directory.
#
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-20}

cc=""
for c in clang clang-16 clang-15 clang-14; do
	if command -v "$c" >/dev/null 2>&1; then
		cc=$c
		break
	fi
done
if [ -z "$cc" ]; then
	echo "fuzz: clang not found, skipped"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cc" -g -O1 -fsanitize=fuzzer,address -iquote "$here/src" \
	"$here/test/fuzz/feeds_fuzz.c" "$here/src/feeds_parse.c" \
	-lcjson -o "$tmp/feeds_fuzz"

mkdir -p "$tmp/corpus"
i=0
for seed in '* Tyler Reddick (P)' 'Ty Gibbs #' 'Josh Berry(i)' 'Mr Jake Holman(7)' \
	'A(12)' '2020-06-10T19:00:00' '0001-01-01T00:00:00' '2024-02-29' \
	'{"GB": {"Ascot": {"14:30": {"runners": []}}}}' '[[[[' '{"a": "b\"}' \
	'{"vehicles": [{"vehicle_number": "00"}]}'; do
	printf '%s' "$seed" > "$tmp/corpus/seed$i"
	i=$((i + 1))
done

cd "$tmp"
if ./feeds_fuzz -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	-artifact_prefix="$tmp/" "$tmp/corpus" > "$tmp/fuzz.log" 2>&1; then
	echo "fuzz: feeds_parse ok ($(grep -o 'Done [0-9]* runs' "$tmp/fuzz.log" || echo 'run finished'))"
	exit 0
fi
echo "fuzz: feeds_parse FAILED"
tail -40 "$tmp/fuzz.log"
exit 1
