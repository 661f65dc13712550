#!/bin/bash
# make demo [FILE=path]: build and install racing, start a throwaway
# PostgreSQL 15 cluster with racing preloaded, load the bundled real
# samples of both sports (or FILE, whose format is guessed from its
# header; a .json file is taken as a race card or a NASCAR feed), print
# the load reports and a few stored rows, and remove the
# cluster again.  KEEP=1 keeps the cluster running and says how to reach it.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash test/deps.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
bin=/usr/lib/postgresql/15/bin
make -s PG_CONFIG=$PG_CONFIG >/dev/null
[ "$(id -u)" = 0 ] && make -s PG_CONFIG=$PG_CONFIG install >/dev/null

work=$(mktemp -d /tmp/racing-demo.XXXXXX)
runas=()
if [ "$(id -u)" = 0 ]; then
	runas=(runuser -u postgres --)
fi
files=()
if [ $# -gt 0 ] && [ -n "$1" ]; then
	[ -r "$1" ] || { echo "racing demo: cannot read $1" >&2; exit 1; }
	cp "$1" "$work/"
	files+=("$work/$(basename "$1")")
else
	cp test/data/rpscrape_sample.csv test/data/cup_sample.csv \
		test/data/rpscrape_faults.csv "$work/"
	files+=("$work/rpscrape_sample.csv" "$work/cup_sample.csv" \
		"$work/rpscrape_faults.csv")
fi
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"

port=$((50000 + RANDOM % 10000))
cleanup()
{
	if [ "${KEEP:-0}" = 1 ]; then
		echo "cluster kept: psql -h $work -p $port postgres   (stop: $bin/pg_ctl -D $work/data stop)"
	else
		"${runas[@]}" $bin/pg_ctl -D "$work/data" -m fast stop >/dev/null 2>&1 || true
		rm -rf "$work"
	fi
}
trap cleanup EXIT

"${runas[@]}" $bin/initdb -D "$work/data" -A trust -U postgres >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
shared_preload_libraries = 'racing'
CONF
"${runas[@]}" $bin/pg_ctl -D "$work/data" -l "$work/server.log" -w start >/dev/null

psql=("${runas[@]}" $bin/psql -X -h "$work" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${psql[@]}" -q -c "CREATE EXTENSION racing"

for f in "${files[@]}"; do
	header=$(head -c 2000 "$f" | head -1 | tr 'A-Z' 'a-z')
	case "$f" in
		*.json)
			if grep -q '"runners"' "$f"; then
				fn="racing.load_racecards"
			else
				fn="racing.load_nascar_feed"
			fi ;;
		*)
			case "$header" in
				*season*driver*|*driver*season*) fn="racing.load_nascar" ;;
				*) fn="racing.load_rpscrape" ;;
			esac ;;
	esac
	echo
	echo "== $fn('$(basename "$f")')"
	"${psql[@]}" -c "SELECT batch_id, rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined, quality_score FROM $fn('$f')"
	echo "== the same file again: nothing new is stored"
	"${psql[@]}" -c "SELECT batch_id, rows_read, rows_stored, rows_duplicate, rows_quarantined FROM $fn('$f')"
done

echo
echo "== quarantined rows, with their reasons"
"${psql[@]}" -c "SELECT batch_id, line_no, rule, column_name, message FROM racing.quarantine ORDER BY quarantine_id LIMIT 10"
echo "== a few horse-racing results"
"${psql[@]}" -c "SELECT r.race_date, c.name AS course, r.off_time, h.name AS horse, u.pos_text, u.position, u.dead_heat, u.pos_code, u.ovr_btn, u.time_secs, u.prize, u.prize_currency, u.official_rating AS or FROM racing.runner u JOIN racing.race r USING (race_id) JOIN racing.course c USING (course_id) JOIN racing.horse h USING (horse_id) ORDER BY r.race_date, r.off_time, u.position NULLS LAST LIMIT 8"
echo "== a few NASCAR results"
"${psql[@]}" -c "SELECT r.season, r.race_num, t.name AS track, r.track_type, e.finish, e.car, d.name AS driver, e.status, e.status_category, e.laps, e.laps_led FROM racing.nascar_entry e JOIN racing.nascar_race r USING (race_id) JOIN racing.track t USING (track_id) JOIN racing.driver d USING (driver_id) ORDER BY r.season, r.race_num, e.finish LIMIT 8"
echo "== data quality per batch"
"${psql[@]}" -c "SELECT batch_id, source, round(completeness::numeric, 3) AS completeness, round(validity::numeric, 3) AS validity, round(consistency::numeric, 3) AS consistency, round(timeliness::numeric, 3) AS timeliness, round(quality_score::numeric, 3) AS score FROM racing.batch_quality ORDER BY batch_id"
echo "== point-in-time feature vectors: NASCAR 2024 race 2, each driver seen only through race 1"
"${psql[@]}" -c "SELECT (racing.feature_names('nascar'))[1:6] AS first_features" 2>/dev/null || true
"${psql[@]}" -c "SELECT participant, pre_race, vec[1:6] AS first_values FROM racing.race_card('nascar', (SELECT race_id FROM racing.nascar_race WHERE season = 2024 AND race_num = 2)) LIMIT 6" 2>/dev/null || true
echo "== training set rows, ready for COPY ... TO"
"${psql[@]}" -c "SELECT race_key, participant, win_share, placed, finish_pos, round(norm_pos::numeric, 3) AS norm_pos, features[1:4] FROM racing.training_set('horse') ORDER BY race_date, race_key, finish_pos LIMIT 6" 2>/dev/null || true
