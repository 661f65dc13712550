#!/bin/bash
#
# features_bench.sh
#	  Benchmark of feature maintenance: loads a synthetic history
#	  (test/bench/gen_history.py, 1,000,000 runners by default) in ten
#	  date-ordered chunks into a throwaway cluster, once with the feature
#	  triggers and once with them disabled, and reports rows/sec of both
#	  and the per-row cost of the last tenth against the first tenth.
#
# Usage: test/bench/features_bench.sh [RUNNERS] [PORT]
#	Needs the extension installed (make install) and runs the cluster as
#	the postgres user on a socket in its own temp dir (no TCP).
#
set -euo pipefail
runners=${1:-1000000}
port=${2:-55499}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/racing-feat-bench.XXXXXX)
chmod 755 "$work"
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --) && chown postgres "$work"

echo "generating $runners runners in $work"
python3 "$here/test/bench/gen_history.py" "$here/../shared/data/horse/rpscrape_full.csv" \
	"$work/history.csv" "$runners" 1
# ten chunks of whole race days
awk -F, -v total="$(($(wc -l < "$work/history.csv") - 1))" -v dir="$work" '
	NR == 1 { header = $0; next }
	{ if (chunk == 0 || (n >= total / 10 * chunk && $1 != last && chunk < 10)) {
		chunk++; file = sprintf("%s/chunk%02d.csv", dir, chunk); print header > file }
	  print > file; n++; last = $1 }' "$work/history.csv"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

"${as_pg[@]}" $bin/initdb -D "$work/data" -A trust >/dev/null
cat "$here/test/racing.conf" >> "$work/data/postgresql.conf"
"${as_pg[@]}" $bin/pg_ctl -D "$work/data" -l "$work/log" -w start \
	-o "-p $port -k $work -c listen_addresses='' -c shared_buffers=1GB -c max_wal_size=8GB -c synchronous_commit=off" >/dev/null
trap '"${as_pg[@]}" $bin/pg_ctl -D "$work/data" -m fast stop >/dev/null' EXIT
psql_() { "${as_pg[@]}" $bin/psql -h "$work" -p "$port" -X -q -At "$@"; }

run() {
	local db=$1 features=$2
	psql_ -d postgres -c "CREATE DATABASE $db"
	psql_ -d $db -c "CREATE EXTENSION racing"
	if [ "$features" = off ]; then
		for t in runner_features_ins runner_features_upd runner_features_del; do
			psql_ -d $db -c "ALTER TABLE racing.runner DISABLE TRIGGER $t"
		done
	fi
	for f in "$work"/chunk*.csv; do
		psql_ -d $db -c "SELECT extract(epoch from clock_timestamp())" > "$work/t0"
		rows=$(psql_ -d $db -c "SELECT rows_stored FROM racing.load_rpscrape('$f')")
		t1=$(psql_ -d $db -c "SELECT extract(epoch from clock_timestamp())")
		echo "$features $(basename "$f") $rows $(echo "$t1 - $(cat "$work/t0")" | bc -l)"
	done
}

{ run bench_on on; run bench_off off; } | tee "$work/times.txt"
awk '
	{ rows[$1] += $3; secs[$1] += $4 }
	$1 == "on" && $2 == "chunk01.csv" { first = $4 / $3 }
	$1 == "on" && $2 == "chunk10.csv" { last = $4 / $3 }
	$1 == "off" && $2 == "chunk01.csv" { ofirst = $4 / $3 }
	$1 == "off" && $2 == "chunk10.csv" { olast = $4 / $3 }
	END {
		printf "features on : %d rows in %.1f s = %.0f rows/s\n", rows["on"], secs["on"], rows["on"] / secs["on"]
		printf "features off: %d rows in %.1f s = %.0f rows/s\n", rows["off"], secs["off"], rows["off"] / secs["off"]
		printf "throughput off/on: %.2f\n", (rows["off"] / secs["off"]) / (rows["on"] / secs["on"])
		printf "per-row cost, features on: first tenth %.1f us, last tenth %.1f us, last/first %.2f\n", first * 1e6, last * 1e6, last / first
		printf "per-row cost, features off: first tenth %.1f us, last tenth %.1f us, last/first %.2f\n", ofirst * 1e6, olast * 1e6, olast / ofirst
	}' "$work/times.txt" | tee "$work/summary.txt"
psql_ -d bench_on -c "SELECT sport, vectors, stale, missing FROM racing.feature_staleness WHERE sport = 'horse'"
echo "results kept in $work (summary.txt, times.txt)"
