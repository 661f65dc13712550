#!/bin/bash
# Read speed of the tiered cache and its hit rate on a race-day trace,
# measured with pgbench over loopback TCP on a throwaway cluster.
#
#   bash test/bench/cache_bench.sh [SECONDS] [CLIENTS]     # default 10 2
#
# After loading both full shared files and refreshing the warm views:
#
#   card_hot      racing.race_card of a random horse race, hot tier on
#                 (every card read once before, so nearly all are hits)
#   card_warm     the same with racing.hot_cache = off (warm views, then
#                 the base function for races outside the warm window)
#   card_base     hot and warm off: racing.race_card_base every time
#   card_plain    the same rows (entry_id, vec) from a plain table of the
#                 precomputed vectors with a btree index on race_id
#   vec_hot       racing.feature_vector of a random runner, hot tier on
#   vec_plain     vec of a random runner from the plain table by its key
#
# Then the server restarts with racing.hot_cache_size at a quarter of
# what every card and vector takes in the hot tier, and a race-day trace
# runs: 90% of reads are cards and vectors of the races of the newest day
# in the file, 10% of any race (the long tail of history).  The hit rate
# of that trace is read from racing.cache_stats.
#
# Every figure comes from this one run; ratios are the point, absolute
# rates depend on the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster.sh"

seconds=${1:-10}
clients=${2:-2}
shared=$(cd "$here/../../.." && pwd)/shared/data

BENCH_TCP=1
BENCH_CONF="racing.hot_cache_size = 100MB
racing.hot_ttl = 0
racing.maintenance_naptime = 3600
max_connections = 50"
bench_start
horse=$(bench_file "$shared/horse/rpscrape_full.csv")
nascar=$(bench_file "$shared/nascar/cup_results_2019_2024.csv")

bpsql -q -c "SET client_min_messages = warning" \
	-c "SELECT racing.load_rpscrape('$horse')" \
	-c "SELECT racing.load_nascar('$nascar')" >/dev/null
bpsql -q -c "SELECT * FROM racing.run_maintenance()" >/dev/null
bpsql -q <<'SQL'
CREATE TABLE bench_vectors AS
	SELECT race_id, entry_id, vec FROM racing.entry_features WHERE sport = 'horse';
ALTER TABLE bench_vectors ADD PRIMARY KEY (entry_id);
CREATE INDEX ON bench_vectors (race_id);
ANALYZE bench_vectors;
SQL

read -r race_lo race_hi day_lo day_hi run_lo run_hi < <(bpsql -At -F ' ' -c "
	SELECT min(race_id), max(race_id),
		   min(race_id) FILTER (WHERE race_date = (SELECT max(race_date) FROM racing.race)),
		   max(race_id) FILTER (WHERE race_date = (SELECT max(race_date) FROM racing.race)),
		   (SELECT min(runner_id) FROM racing.runner), (SELECT max(runner_id) FROM racing.runner)
	FROM racing.race")
day_races=$(bpsql -At -c "SELECT count(*) FROM racing.race WHERE race_id BETWEEN $day_lo AND $day_hi")
total_races=$((race_hi - race_lo + 1))
echo "horse races $race_lo..$race_hi, newest day $day_lo..$day_hi ($day_races races), runners $run_lo..$run_hi"

scripts="$BENCH_DIR/scripts"
mkdir -p "$scripts"
cat > "$scripts/card.sql" <<SQL
\set r random($race_lo, $race_hi)
SELECT * FROM racing.race_card('horse', :r);
SQL
cat > "$scripts/card_plain.sql" <<SQL
\set r random($race_lo, $race_hi)
SELECT entry_id, vec FROM bench_vectors WHERE race_id = :r;
SQL
cat > "$scripts/vec.sql" <<SQL
\set e random($run_lo, $run_hi)
SELECT racing.feature_vector('horse', :e);
SQL
cat > "$scripts/vec_plain.sql" <<SQL
\set e random($run_lo, $run_hi)
SELECT vec FROM bench_vectors WHERE entry_id = :e;
SQL
# 90% of reads go to the newest day's races, 10% to any race; half of
# them cards, half the vector of one runner of the card's race
cat > "$scripts/trace.sql" <<SQL
\set p random(1, 100)
\if :p <= 90
\set r random($day_lo, $day_hi)
\else
\set r random($race_lo, $race_hi)
\endif
SELECT * FROM racing.race_card('horse', :r);
SELECT racing.feature_vector('horse', (SELECT min(runner_id) FROM racing.runner WHERE race_id = :r));
SQL
chmod -R a+rX "$scripts"

# pgbench over loopback; prints transactions per second
bench_tps()
{
	local script=$1
	shift
	"${bench_runas[@]}" env "$@" $BENCH_BIN/pgbench -n -h 127.0.0.1 -p "$BENCH_PORT" -U postgres \
		-c "$clients" -j "$clients" -T "$seconds" -f "$scripts/$script" postgres 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

# every card and vector into the hot tier once
bpsql -q -c "SELECT count(*) FROM racing.race r, racing.race_card('horse', r.race_id)" >/dev/null
bpsql -q -c "SELECT count(racing.feature_vector('horse', runner_id)) FROM racing.runner" >/dev/null
all_bytes=$(bpsql -At -c "SELECT bytes FROM racing.cache_stats WHERE tier = 'hot'")
all_entries=$(bpsql -At -c "SELECT entries FROM racing.cache_stats WHERE tier = 'hot'")
echo "hot tier with every horse card and vector: $all_entries entries, $all_bytes bytes"

card_hot=$(bench_tps card.sql)
card_warm=$(bench_tps card.sql PGOPTIONS="-c racing.hot_cache=off")
card_base=$(bench_tps card.sql PGOPTIONS="-c racing.hot_cache=off -c racing.warm_cache=off")
card_plain=$(bench_tps card_plain.sql)
vec_hot=$(bench_tps vec.sql)
vec_plain=$(bench_tps vec_plain.sql)

# the race-day trace with a hot tier a quarter of the data
small_kb=$(( all_bytes / 4 / 1024 ))
[ "$small_kb" -lt 256 ] && small_kb=256
bpsql -q -c "ALTER SYSTEM SET racing.hot_cache_size = '${small_kb}kB'"
"${bench_runas[@]}" $BENCH_BIN/pg_ctl -D "$BENCH_DIR/data" -l "$BENCH_DIR/server.log" -w restart >/dev/null
bpsql -q -c "SELECT racing.cache_stats_reset()" >/dev/null
trace_tps=$(bench_tps trace.sql)
read -r hits misses rate evictions < <(bpsql -At -F ' ' -c \
	"SELECT hits, misses, hit_rate, evictions FROM racing.cache_stats WHERE tier = 'hot'")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
cat <<REPORT

clients $clients, $seconds s per run, pgbench over 127.0.0.1
race card, hot tier on          $card_hot tps
race card, hot off (warm, base) $card_warm tps   hot/this $(ratio "$card_hot" "$card_warm")
race card, hot and warm off     $card_base tps   hot/this $(ratio "$card_hot" "$card_base")
card rows from a plain table    $card_plain tps   hot/this $(ratio "$card_hot" "$card_plain")
feature vector, hot tier on     $vec_hot tps
vector from a plain table       $vec_plain tps   hot/this $(ratio "$vec_hot" "$vec_plain")
race-day trace: hot tier ${small_kb} kB for $all_bytes bytes of cards and vectors
  ($(ratio "$((small_kb * 1024))" "$all_bytes") of the data), $day_races races on the day of $total_races
  hits $hits, misses $misses, hit rate $rate, evictions $evictions, $trace_tps tps
REPORT
