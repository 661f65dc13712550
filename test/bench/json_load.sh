#!/bin/bash
# Load speed of the JSON race card path next to the CSV path, in one run
# on one throwaway server (test/bench/cluster.sh).
#
#   bash test/bench/json_load.sh [ROUNDS]
#
# Each round empties the horse tables, loads the four shared race card
# files with racing.load_racecards (943 runners) and, separately, the
# shared rpscrape results CSV with racing.load_rpscrape, timing each
# inside the server with clock_timestamp().  It prints JSON runners per
# second and CSV rows per second per round, and the medians.  Both
# figures include validation, dimension look-ups, upserts and the
# feature triggers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster.sh"

rounds=${1:-3}
shared=$(cd "$here/../../.." && pwd)/shared/data
bench_start
csv=$(bench_file "$shared/horse/rpscrape_full.csv")
cards=()
for f in "$shared"/json/racecards/*.json; do
	cards+=("$(bench_file "$f")")
done
card_array=$(printf "'%s'," "${cards[@]}")
card_array="ARRAY[${card_array%,}]"

bpsql -q <<SQL
CREATE FUNCTION bench_empty() RETURNS void LANGUAGE sql AS \$\$
	TRUNCATE racing.batch, racing.quarantine, racing.race, racing.runner,
		racing.runner_history, racing.horse, racing.jockey, racing.trainer,
		racing.course, racing.course_alias CASCADE;
\$\$;
CREATE FUNCTION bench_json() RETURNS TABLE (rows bigint, ms float8)
LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz;
	n bigint := 0;
	f text;
BEGIN
	SET LOCAL client_min_messages = warning;
	PERFORM bench_empty();
	t0 := clock_timestamp();
	FOREACH f IN ARRAY $card_array LOOP
		n := n + (SELECT rows_read FROM racing.load_racecards(f));
	END LOOP;
	rows := n;
	ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
	RETURN NEXT;
END
\$\$;
CREATE FUNCTION bench_csv(path text) RETURNS TABLE (rows bigint, ms float8)
LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz;
BEGIN
	SET LOCAL client_min_messages = warning;
	PERFORM bench_empty();
	t0 := clock_timestamp();
	rows := (SELECT rows_read FROM racing.load_rpscrape(path));
	ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
	RETURN NEXT;
END
\$\$;
CREATE TABLE bench_result (round int, path text, rows bigint, ms float8);
SQL

for r in $(seq 1 "$rounds"); do
	bpsql -q -c "INSERT INTO bench_result SELECT $r, 'json', * FROM bench_json()"
	bpsql -q -c "INSERT INTO bench_result SELECT $r, 'csv', * FROM bench_csv('$csv')"
done

bpsql -c "SELECT round, path, rows, round(ms::numeric, 1) AS ms,
	round((rows / (ms / 1000))::numeric) AS rows_per_s
FROM bench_result ORDER BY round, path"
bpsql -c "SELECT path AS median_of, percentile_cont(0.5) WITHIN GROUP (ORDER BY rows / (ms / 1000))::int AS rows_per_s
FROM bench_result GROUP BY path ORDER BY path"
