#!/bin/bash
#
# features_scaling.sh
#	  Does the per-row cost of feature maintenance grow with the history?
#	  Loads a synthetic history in which a race day late on looks like one
#	  early on (gen_history.py ... stationary: the same career lengths for
#	  horses, longer ones for jockeys and trainers), and loads one probe of
#	  whole race days (about PROBE runners) on top of the first FIRST
#	  runners and another on top of RUNNERS runners.  Each probe is loaded
#	  in a single-user backend under valgrind's callgrind, once with the
#	  feature triggers and once without, in transactions that are rolled
#	  back; callgrind counts the instructions executed inside
#	  racing.load_rpscrape, which do not depend on what else the machine
#	  is doing.  Reports instructions per row and the ratios between the
#	  two history sizes, all from one run.
#
# Usage: test/bench/features_scaling.sh [RUNNERS] [FIRST] [PROBE] [PORT]
#	Defaults 1000000 200000 2000 55498.  Needs the extension installed
#	(make install) and valgrind; runs the cluster as the postgres user on a
#	socket in its own temp dir (no TCP).  Takes about half an hour with
#	the defaults on 2 cores; its files stay in /tmp/racing-scaling.*.
#
set -euo pipefail
runners=${1:-1000000}
first=${2:-200000}
probe=${3:-2000}
port=${4:-55498}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/racing-scaling.XXXXXX)
chmod 755 "$work"
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --) && chown postgres "$work"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }

echo "generating $((runners + 2 * probe)) runners in $work"
python3 "$here/test/bench/gen_history.py" "$here/../shared/data/horse/rpscrape_full.csv" \
	"$work/history.csv" "$((runners + 2 * probe + 5000))" 1 stationary

# history A (up to FIRST), probe 1, history B (up to RUNNERS), probe 2;
# every part ends on a race day, B in chunks of about 100,000 runners
awk -F, -v first="$first" -v runners="$runners" -v probe="$probe" -v dir="$work" '
	NR == 1 { header = $0; next }
	{
		if ($1 != last) {
			# a new race day: move on to the next part when this one is full
			if (part == "" ) { part = "a"; open_part() }
			else if (part == "a" && n >= first) { part = "p1"; start = n; open_part() }
			else if (part == "p1" && n - start >= probe) { part = "b"; start = n; chunk = 0; open_part() }
			else if (part == "b" && n >= runners) { part = "p2"; start = n; open_part() }
			else if (part == "b" && n - start >= 100000) { start = n; open_part() }
			else if (part == "p2" && n - start >= probe) { part = "done" }
		}
		if (part != "done") print > file
		n++; last = $1
	}
	function open_part() {
		if (file != "") close(file)
		if (part == "b") file = sprintf("%s/b%02d.csv", dir, ++chunk)
		else file = sprintf("%s/%s.csv", dir, part)
		print header > file
	}' "$work/history.csv"
rm "$work/history.csv"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"

"${as_pg[@]}" $bin/initdb -D "$work/data" -A trust >/dev/null
cat "$here/test/racing.conf" >> "$work/data/postgresql.conf"
cat >> "$work/data/postgresql.conf" <<EOF
shared_buffers = 1GB
max_wal_size = 8GB
synchronous_commit = off
listen_addresses = ''
EOF
server() {
	"${as_pg[@]}" $bin/pg_ctl -D "$work/data" -l "$work/log" -w "$1" \
		-o "-p $port -k $work" >/dev/null
}
psql_() { "${as_pg[@]}" $bin/psql -h "$work" -p "$port" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
trap '"${as_pg[@]}" $bin/pg_ctl -D "$work/data" -m fast stop >/dev/null 2>&1 || true' EXIT

load() {
	psql_ -d bench -c "SELECT rows_read, rows_stored FROM racing.load_rpscrape('$1')" |
		sed "s|^|$(basename "$1"): read, stored |"
}

# instructions inside racing.load_rpscrape for one probe, in a single-user
# backend, features on or off; the transaction is rolled back
measure() {
	local csv=$1 features=$2 out="$work/cg.$(basename "$1" .csv).$2"
	local sql="BEGIN;"
	if [ "$features" = off ]; then
		sql="$sql ALTER TABLE racing.runner DISABLE TRIGGER runner_features_ins;"
		sql="$sql ALTER TABLE racing.runner DISABLE TRIGGER runner_features_upd;"
		sql="$sql ALTER TABLE racing.runner DISABLE TRIGGER runner_features_del;"
	fi
	printf '%s\nSELECT rows_stored FROM racing.load_rpscrape('"'%s'"');\nROLLBACK;\n' \
		"$sql" "$csv" |
		"${as_pg[@]}" valgrind --tool=callgrind --collect-atstart=no \
		--toggle-collect=load_rpscrape_file --callgrind-out-file="$out" \
		$bin/postgres --single -D "$work/data" bench > "$out.log" 2>&1
	rows=$(grep -o 'rows_stored = "[0-9]*"' "$out.log" | grep -o '[0-9]*' | tail -1)
	ir=$(awk '/^totals:/ { print $2 }' "$out")
	echo "$(basename "$csv" .csv) $features $rows $ir" | tee -a "$work/probes.txt"
}

server start
psql_ -d postgres -c "CREATE DATABASE bench"
psql_ -d bench -c "CREATE EXTENSION racing"
load "$work/a.csv"
psql_ -d bench -c "ANALYZE"
server stop
measure "$work/p1.csv" off
measure "$work/p1.csv" on
server start
load "$work/p1.csv"
for f in "$work"/b*.csv; do
	load "$f"
done
psql_ -d bench -c "ANALYZE"
psql_ -d bench -c "SELECT count(*) AS runners_before_probe_2 FROM racing.runner"
server stop
measure "$work/p2.csv" off
measure "$work/p2.csv" on

awk '
	{ ir[$1 " " $2] = $4 / $3; rows[$1] = $3 }
	END {
		printf "probe 1 (%d rows): features off %.0f, on %.0f instructions per row\n", rows["p1"], ir["p1 off"], ir["p1 on"]
		printf "probe 2 (%d rows): features off %.0f, on %.0f instructions per row\n", rows["p2"], ir["p2 off"], ir["p2 on"]
		printf "feature maintenance alone (on - off): %.0f and %.0f per row, probe 2 / probe 1 = %.3f\n", ir["p1 on"] - ir["p1 off"], ir["p2 on"] - ir["p2 off"], (ir["p2 on"] - ir["p2 off"]) / (ir["p1 on"] - ir["p1 off"])
		printf "whole load with features, probe 2 / probe 1 = %.3f; load path alone %.3f\n", ir["p2 on"] / ir["p1 on"], ir["p2 off"] / ir["p1 off"]
	}' "$work/probes.txt" | tee "$work/summary.txt"
echo "results kept in $work (summary.txt, probes.txt, cg.*)"
