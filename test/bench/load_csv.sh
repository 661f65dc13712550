#!/bin/bash
# Load speed of the CSV path against a plain COPY of the same file into a
# bare table of text columns, measured in one run on one server.
#
#   bash test/bench/load_csv.sh [ROUNDS]
#
# For each full shared file, each round times (inside one session, with
# clock_timestamp): COPY into a fresh table of text columns, then
# racing.load_rpscrape / racing.load_nascar into an empty schema.  It
# prints rows per second of both and the ratio COPY/racing per round, and
# the median ratio.  The racing figure includes parsing every notation,
# validation, dimension look-ups, the upserts and every trigger installed,
# feature vectors included; the "no features" figure is the same load with
# the feature triggers disabled, the load path alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster.sh"

rounds=${1:-3}
shared=$(cd "$here/../../.." && pwd)/shared/data
bench_start
horse=$(bench_file "$shared/horse/rpscrape_full.csv")
nascar=$(bench_file "$shared/nascar/cup_results_2019_2024.csv")

bpsql -q <<'SQL'
CREATE FUNCTION bench_load(path text, loader text, ncols int)
RETURNS TABLE (rows bigint, copy_ms float8, racing_ms float8, nofeat_ms float8)
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz; t1 timestamptz; t2 timestamptz; t3 timestamptz; t4 timestamptz;
	n bigint;
BEGIN
	SET LOCAL client_min_messages = warning;
	EXECUTE 'DROP TABLE IF EXISTS bench_bare';
	EXECUTE 'CREATE TABLE bench_bare (' ||
		(SELECT string_agg('c' || i || ' text', ', ') FROM generate_series(1, ncols) i) || ')';
	TRUNCATE racing.batch, racing.quarantine, racing.race, racing.runner,
		racing.runner_history, racing.horse, racing.jockey, racing.trainer,
		racing.course, racing.course_alias, racing.nascar_race,
		racing.nascar_entry, racing.nascar_entry_history, racing.driver,
		racing.team CASCADE;
	t0 := clock_timestamp();
	EXECUTE format('COPY bench_bare FROM %L WITH (FORMAT csv, HEADER)', path);
	t1 := clock_timestamp();
	EXECUTE format('SELECT rows_read FROM racing.%I(%L)', loader, path) INTO n;
	t2 := clock_timestamp();

	-- the same load with the feature triggers disabled: the load path alone
	TRUNCATE racing.batch, racing.quarantine, racing.race, racing.runner,
		racing.runner_history, racing.horse, racing.jockey, racing.trainer,
		racing.course, racing.course_alias, racing.nascar_race,
		racing.nascar_entry, racing.nascar_entry_history, racing.driver,
		racing.team CASCADE;
	ALTER TABLE racing.runner DISABLE TRIGGER runner_features_ins;
	ALTER TABLE racing.nascar_entry DISABLE TRIGGER nascar_entry_features_ins;
	t3 := clock_timestamp();
	EXECUTE format('SELECT rows_read FROM racing.%I(%L)', loader, path) INTO n;
	t4 := clock_timestamp();
	ALTER TABLE racing.runner ENABLE TRIGGER runner_features_ins;
	ALTER TABLE racing.nascar_entry ENABLE TRIGGER nascar_entry_features_ins;
	RETURN QUERY SELECT n, (extract(epoch FROM t1 - t0) * 1000)::float8,
		(extract(epoch FROM t2 - t1) * 1000)::float8,
		(extract(epoch FROM t4 - t3) * 1000)::float8;
END
$$;
CREATE TABLE bench_result (file text, round int, rows bigint, copy_ms float8, racing_ms float8, nofeat_ms float8);
SQL

for r in $(seq 1 "$rounds"); do
	bpsql -q -c "INSERT INTO bench_result SELECT 'rpscrape_full.csv', $r, * FROM bench_load('$horse', 'load_rpscrape', 39)"
	bpsql -q -c "INSERT INTO bench_result SELECT 'cup_results_2019_2024.csv', $r, * FROM bench_load('$nascar', 'load_nascar', 21)"
done

bpsql -c "
SELECT file, round, rows,
	   round(rows / (copy_ms / 1000)) AS copy_rows_per_s,
	   round(rows / (racing_ms / 1000)) AS racing_rows_per_s,
	   round(rows / (nofeat_ms / 1000)) AS no_features_rows_per_s,
	   round((racing_ms / copy_ms)::numeric, 1) AS racing_vs_copy_time,
	   round((nofeat_ms / copy_ms)::numeric, 1) AS no_features_vs_copy_time
FROM bench_result ORDER BY file, round"
bpsql -c "
SELECT file, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY racing_ms / copy_ms)::numeric, 1)
	   AS median_time_ratio_racing_to_copy,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY nofeat_ms / copy_ms)::numeric, 1)
	   AS median_time_ratio_no_features_to_copy,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY rows / (racing_ms / 1000))::numeric)
	   AS median_racing_rows_per_s
FROM bench_result GROUP BY file ORDER BY file"

# Memory: the backend's private memory (RssAnon, sampled every 0.2 s) while
# it loads the horse file once and the same history repeated MULT times
# (dates shifted back 400 days per copy, so every row is a new entry);
# MULT (default 5) sets how many copies.
mult=${MULT:-5}
big="$BENCH_DIR/rpscrape_x$mult.csv"
python3 - "$horse" "$big" "$mult" <<'PY'
import csv, datetime, sys
src, dst = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(src, encoding='utf-8')))
w = csv.writer(open(dst, 'w', encoding='utf-8'), lineterminator='\n')
w.writerow(rows[0])
for k in range(int(sys.argv[3]), 0, -1):    # oldest copy first
    for r in rows[1:]:
        d = datetime.date.fromisoformat(r[0]) - datetime.timedelta(days=400 * k)
        w.writerow([d.isoformat()] + r[1:])
PY
[ "$(id -u)" = 0 ] && chown postgres: "$big"

peak_load()
{
	local file=$1 pidfile="$BENCH_DIR/backend.pid" peak=0 pid kb
	bpsql -q -c "TRUNCATE racing.batch, racing.race, racing.runner, racing.horse, racing.jockey, racing.trainer, racing.course, racing.course_alias CASCADE" 2>/dev/null
	bpsql -qAt -c "SELECT pg_backend_pid()" -c "SET racing.progress_rows = 0" \
		-c "SELECT rows_read FROM racing.load_rpscrape('$file')" > "$pidfile" &
	local job=$!
	sleep 0.1
	pid=$(head -1 "$pidfile")
	while kill -0 $job 2>/dev/null; do
		kb=$(awk '/RssAnon/ { print $2 }' /proc/$pid/status 2>/dev/null || echo 0)
		[ "${kb:-0}" -gt "$peak" ] && peak=$kb
		sleep 0.2
	done
	echo "$(sed -n 2p "$pidfile") $peak"
}
read rows1 kb1 <<<"$(peak_load "$horse")"
read rows30 kb30 <<<"$(peak_load "$big")"
echo
echo "backend private memory (peak RssAnon) while loading:"
printf '  %8d rows: %7d kB\n  %8d rows: %7d kB\n' "$rows1" "$kb1" "$rows30" "$kb30"
awk -v a="$kb1" -v b="$kb30" -v m="$mult" 'BEGIN { printf "  %dx the rows needs %.2fx the memory\n", m, b / a }'
