#!/bin/bash
# Coherence of the hot tier under load: writers keep incrementing the
# first feature of a few entries while readers check, with pgbench, that
# a cached read is never older than the table they read just before it.
# A small hot tier and reads of random history keep evictions going.
#
#   bash test/bench/cache_stress.sh [SECONDS] [READERS] [WRITERS]   # default 30 4 2
#
# Each reader transaction reads vec[1] of an entry from
# racing.entry_features, then racing.feature_vector of the same entry,
# which must not be smaller (the writers only increment it); the same for
# the sum over a race card; then one random vector of the whole file.  A
# violation divides by zero and aborts the reader, so the report's
# "aborted" line must say 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster.sh"

seconds=${1:-30}
readers=${2:-4}
writers=${3:-2}
shared=$(cd "$here/../../.." && pwd)/shared/data

BENCH_CONF="racing.hot_cache_size = 512kB
racing.maintenance_naptime = 1
racing.warm_refresh_interval = 5
max_connections = 50"
bench_start
horse=$(bench_file "$shared/horse/rpscrape_full.csv")
bpsql -q -c "SET client_min_messages = warning" \
	-c "SELECT racing.load_rpscrape('$horse')" >/dev/null
bpsql -q -c "SELECT * FROM racing.run_maintenance()" >/dev/null

# the hot keys: the entries of the two newest races
read -r race_a race_b < <(bpsql -At -F ' ' -c "
	SELECT min(race_id), max(race_id)
	FROM (SELECT race_id FROM racing.race ORDER BY race_id DESC LIMIT 2) r")
read -r hot_lo hot_hi all_hi < <(bpsql -At -F ' ' -c "
	SELECT min(runner_id), max(runner_id), (SELECT max(runner_id) FROM racing.runner)
	FROM racing.runner WHERE race_id IN ($race_a, $race_b)")

scripts="$BENCH_DIR/scripts"
mkdir -p "$scripts"
cat > "$scripts/reader.sql" <<SQL
\set e random($hot_lo, $hot_hi)
SELECT vec[1] AS v FROM racing.entry_features WHERE sport = 'horse' AND entry_id = :e \gset
SELECT CASE WHEN (racing.feature_vector('horse', :e))[1] < :v THEN 1 / (random() * 0) END;
\set p random(0, 1)
\set r $race_a + :p * ($race_b - $race_a)
SELECT sum(vec[1]) AS tsum FROM racing.entry_features WHERE sport = 'horse' AND race_id = :r \gset
SELECT CASE WHEN (SELECT sum(vec[1]) FROM racing.race_card('horse', :r)) < :tsum THEN 1 / (random() * 0) END;
\set h random(1, $all_hi)
SELECT racing.feature_vector('horse', :h);
SQL
cat > "$scripts/writer.sql" <<SQL
\set e random($hot_lo, $hot_hi)
BEGIN;
UPDATE racing.entry_features SET vec[1] = vec[1] + 1 WHERE sport = 'horse' AND entry_id = :e;
SELECT racing.feature_vector('horse', :e);
COMMIT;
SQL
chmod -R a+rX "$scripts"

bpsql -q -c "SELECT racing.cache_stats_reset()" >/dev/null
pgb() { "${bench_runas[@]}" $BENCH_BIN/pgbench -n -h "$BENCH_DIR" -p "$BENCH_PORT" -U postgres "$@" postgres 2>&1; }
pgb -c "$readers" -j "$readers" -T "$seconds" -f "$scripts/reader.sql" > "$BENCH_DIR/readers.out" &
pgb -c "$writers" -j "$writers" -T "$seconds" -f "$scripts/writer.sql" > "$BENCH_DIR/writers.out"
wait

aborted=$(grep -c 'aborted in command' "$BENCH_DIR/readers.out" || true)
done_r=$(sed -n 's/^number of transactions actually processed: //p' "$BENCH_DIR/readers.out")
done_w=$(sed -n 's/^number of transactions actually processed: //p' "$BENCH_DIR/writers.out")
echo "readers: ${done_r:-0} transactions, aborted by a stale read: $aborted"
echo "writers: ${done_w:-0} transactions"
grep -E 'aborted in command|error' "$BENCH_DIR/readers.out" | head -3 || true
bpsql -c "SELECT tier, hits, misses, hit_rate, entries, evictions FROM racing.cache_stats WHERE tier = 'hot'"
[ "$aborted" = 0 ] && [ "${done_r:-0}" != 0 ] && [ "${done_w:-0}" != 0 ]
