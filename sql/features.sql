--
-- features.sql
--	  Point-in-time feature vectors: catalog, a vector for every entry of
--	  the shared files, order independence of loads, leakage of own
--	  results, and hand-checked values.
--
-- Runs in a database other tests share: everything happens inside one
-- transaction that is rolled back, and the racing sequences are put back
-- to where they were, so later tests see an untouched database.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\set nascar_file :abs_srcdir '/../shared/data/nascar/cup_results_2019_2024.csv'
\set horse_file :abs_srcdir '/../shared/data/horse/rpscrape_full.csv'
SET client_min_messages = warning;

-- the catalog agrees with the order the C code writes
SELECT sport, cardinality(racing.feature_names(sport)) AS n,
	   racing.feature_names(sport) = racing._feature_names_builtin(sport) AS same_order
FROM (VALUES ('horse'), ('nascar')) s(sport);
SELECT racing.feature_names('golf');

-- remember the sequences, to restore them after the rollback
CREATE TEMP TABLE feat_seq AS
SELECT c.oid::regclass AS seq, s.last_value, s.is_called
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT * FROM pg_sequence_last_value(c.oid) v(last_value)) v0
CROSS JOIN LATERAL (SELECT v0.last_value, v0.last_value IS NOT NULL AS is_called) s
WHERE n.nspname = 'racing' AND c.relkind = 'S';

-- the lines of the shared files, numbered
CREATE TEMP TABLE nascar_lines AS
SELECT l.n, l.line FROM regexp_split_to_table(pg_read_file(:'nascar_file'), E'\n')
	WITH ORDINALITY l(line, n) WHERE l.line <> '';
CREATE TEMP TABLE horse_lines AS
SELECT l.n, l.line FROM regexp_split_to_table(pg_read_file(:'horse_file'), E'\n')
	WITH ORDINALITY l(line, n) WHERE l.line <> '';

-- load the lines of a file group by group, groups in the given order
CREATE FUNCTION pg_temp.load_groups(sport text, grp text, ord text)
RETURNS int LANGUAGE plpgsql AS
$$
DECLARE
	g record;
	header text;
	k int := 0;
BEGIN
	EXECUTE format('SELECT line FROM %I_lines WHERE n = 1', sport) INTO header;
	FOR g IN EXECUTE format(
		'SELECT %1$s AS grp, string_agg(line, E''\n'' ORDER BY n) AS body
		 FROM %2$I_lines WHERE n > 1 GROUP BY 1 ORDER BY %3$s', grp, sport, ord)
	LOOP
		IF sport = 'nascar' THEN
			PERFORM racing.load_nascar_data(convert_to(header || E'\n' || g.body || E'\n', 'UTF8'), g.grp);
		ELSE
			PERFORM racing.load_rpscrape_data(convert_to(header || E'\n' || g.body || E'\n', 'UTF8'), g.grp);
		END IF;
		k := k + 1;
	END LOOP;
	RETURN k;
END
$$;

-- a digest of a training set by natural keys only (no surrogate ids)
CREATE FUNCTION pg_temp.digest(sport text)
RETURNS text LANGUAGE sql AS
$$
	SELECT md5(string_agg(concat_ws('|', t.race_key, t.participant, t.win_share,
									t.placed, t.finish_pos, t.norm_pos,
									t.features::text),
						  E'\n' ORDER BY t.race_key, t.participant))
	FROM racing.training_set(sport) t
$$;

BEGIN;

-- NASCAR, oldest season first
SAVEPOINT a;
SELECT pg_temp.load_groups('nascar', 'split_part(line, '','', 1)', '1') AS seasons;
SELECT * FROM racing.feature_staleness WHERE sport = 'nascar';
SELECT pg_temp.digest('nascar') AS oldest_first \gset
ROLLBACK TO SAVEPOINT a;

-- NASCAR, newest season first: the older seasons make the newer stale
SELECT pg_temp.load_groups('nascar', 'split_part(line, '','', 1)', '1 DESC') AS seasons;
SELECT sport, vectors, stale > 0 AS some_stale, missing FROM racing.feature_staleness WHERE sport = 'nascar';
SELECT racing.recompute_stale(10) AS recomputed_first_10_races;
SELECT racing.recompute_stale() > 0 AS recomputed_rest;
SELECT * FROM racing.feature_staleness WHERE sport = 'nascar';
SELECT pg_temp.digest('nascar') = :'oldest_first' AS nascar_same_vectors;
ROLLBACK TO SAVEPOINT a;

-- horses: race days in date order, then shuffled (a fixed pseudo-random order)
SELECT pg_temp.load_groups('horse', 'split_part(line, '','', 1)', '1') AS days;
SELECT * FROM racing.feature_staleness WHERE sport = 'horse';
SELECT pg_temp.digest('horse') AS date_order \gset
ROLLBACK TO SAVEPOINT a;
SELECT pg_temp.load_groups('horse', 'split_part(line, '','', 1)', 'md5(split_part(line, '','', 1))') AS days;
SELECT sport, vectors, stale > 0 AS some_stale, missing FROM racing.feature_staleness WHERE sport = 'horse';
SELECT pg_temp.digest('horse') = :'date_order' AS horse_same_vectors;
SELECT * FROM racing.feature_staleness WHERE sport = 'horse';

-- the whole files in one load each: every entry has a vector
ROLLBACK TO SAVEPOINT a;
SELECT rows_stored FROM racing.load_rpscrape(:'horse_file');
SELECT rows_stored FROM racing.load_nascar(:'nascar_file');
SELECT * FROM racing.feature_staleness;
SELECT sport, count(*) AS vectors, min(cardinality(vec)) AS min_len, max(cardinality(vec)) AS max_len
FROM racing.entry_features GROUP BY sport ORDER BY sport;

-- a vector read for an entry and a race card
SELECT cardinality(racing.feature_vector('horse', (SELECT min(runner_id) FROM racing.runner))) AS horse_len;
SELECT count(*) AS entries, bool_and(cardinality(vec) = 28) AS all_vectors
FROM racing.race_card('nascar', (SELECT min(race_id) FROM racing.nascar_race));

-- hand-checked values, feature by name
CREATE FUNCTION pg_temp.feat(sport text, entry bigint, name text)
RETURNS real LANGUAGE sql AS
$$ SELECT (racing.feature_vector(sport, entry))[array_position(racing.feature_names(sport), name)] $$;

-- Kyle Larson before 2024 race 1 (Daytona).  Checked with awk on the CSV:
--   awk -F, '$10=="Kyle Larson" && $1<2024' cup_results_2019_2024.csv | wc -l      -> 180 starts
--   ... | tail -18 | awk -F, '{s+=$7} END {print s/18}'                          -> avg finish of the last 18
--   wins in the last 36: awk -F, '$10=="Kyle Larson" && $1<2024' ... | tail -36 | awk -F, '$7==1' | wc -l
--   win_sr_36 = (4 + 5/40) / (36 + 5) = 0.1006
--   at the track: awk -F, '$10=="Kyle Larson" && $1<2024 && $3=="Daytona International Speedway"'
--   gives 9 starts (the Daytona road course is another track), last 8 finishes average 21.75
SELECT n.name, round(pg_temp.feat('nascar', e.entry_id, n.name)::numeric, 4) AS value
FROM racing.nascar_entry e
JOIN racing.driver d ON d.driver_id = e.driver_id AND d.name = 'Kyle Larson'
JOIN racing.nascar_race x ON x.race_id = e.race_id AND x.season = 2024 AND x.race_num = 1
CROSS JOIN unnest(ARRAY['starts_career', 'avg_finish_18', 'win_sr_36', 'starts_track',
						'avg_finish_track_8', 'pts_rank_before', 'races_since_last', 'field_size']) n(name);

-- Austin Dillon before 2019 race 2: one start (2019 race 1 at Daytona)
--   awk -F, '$1==2019 && $2==1 && $10=="Austin Dillon" {print $7, $8, $12}' -> 16 20 21
--   (finish 16, start 20: pos_gain 4; 21 points, and 16 drivers scored more: rank 17)
SELECT n.name, round(pg_temp.feat('nascar', e.entry_id, n.name)::numeric, 4) AS value
FROM racing.nascar_entry e
JOIN racing.driver d ON d.driver_id = e.driver_id AND d.name = 'Austin Dillon'
JOIN racing.nascar_race x ON x.race_id = e.race_id AND x.season = 2019 AND x.race_num = 2
CROSS JOIN unnest(ARRAY['starts_career', 'avg_finish_18', 'pos_gain_10', 'races_since_last',
						'pts_rank_before', 'avg_finish_track_8']) n(name);

-- the horse with the most runs in the file, at its last run.  Checked with awk:
--   awk -F, '$22=="Star Legend (IRE)" {print $1, $3, $16, $18, $20, $25, $33}' rpscrape_full.csv
--   2025-05-20 Huntingdon ran 4 pos 3; 05-22 Chelmsford 5 ran, won; 05-30 Catterick 6 ran, won
--   (lbs 135, or 65); today 06-05 Lingfield, 5 ran, lbs 133, or 75.  So n_runs 3, 6 days,
--   last_normpos 0, avg_normpos_3 (0 + 0 + 2/3)/3 = 0.2222, win_sr (2 + 0.5)/(3 + 5) = 0.3125,
--   lbs_change -2, or_change 10
SELECT h.name, n.name AS feature, round(pg_temp.feat('horse', r.runner_id, n.name)::numeric, 4) AS value
FROM (SELECT r.horse_id FROM racing.runner r JOIN racing.horse h USING (horse_id)
	  GROUP BY r.horse_id, h.name ORDER BY count(*) DESC, h.name LIMIT 1) top
JOIN racing.horse h ON h.horse_id = top.horse_id
JOIN LATERAL (SELECT r.* FROM racing.runner r JOIN racing.race x USING (race_id)
			  WHERE r.horse_id = top.horse_id ORDER BY x.race_date DESC LIMIT 1) r ON true
CROSS JOIN unnest(ARRAY['n_runs', 'days_since_run', 'last_normpos', 'avg_normpos_3',
						'last_beaten', 'win_sr', 'lbs', 'lbs_change', 'or_today',
						'or_change', 'field_size', 'dist_f']) n(name);

-- Leakage: change a horse's own result.  Its own vector must not move; the
-- vector of its next run becomes stale and, recomputed, changes.
CREATE TEMP TABLE leak AS
SELECT r.runner_id AS own, nxt.runner_id AS later
FROM racing.runner r JOIN racing.race x USING (race_id)
JOIN LATERAL (SELECT r2.runner_id FROM racing.runner r2 JOIN racing.race x2 USING (race_id)
			  WHERE r2.horse_id = r.horse_id AND x2.race_date > x.race_date
			  ORDER BY x2.race_date LIMIT 1) nxt ON true
WHERE r.position = 1 AND r.has_result
ORDER BY x.race_date, r.runner_id LIMIT 1;
CREATE TEMP TABLE leak_before AS
SELECT f.entry_id, f.vec FROM racing.entry_features f, leak
WHERE f.sport = 'horse' AND f.entry_id IN (leak.own, leak.later);
UPDATE racing.runner SET pos_text = 'PU', position = NULL, finished = false, pos_code = 'PU',
	   ovr_btn = NULL, btn = NULL
WHERE runner_id = (SELECT own FROM leak);
SELECT (f.entry_id = l.own) AS own_entry, f.stale,
	   f.vec::text = b.vec::text AS vector_unchanged
FROM racing.entry_features f JOIN leak_before b USING (entry_id), leak l
WHERE f.sport = 'horse' ORDER BY 1 DESC;
SELECT racing.recompute_stale() > 0 AS recomputed;
SELECT (f.entry_id = l.own) AS own_entry, f.stale,
	   f.vec::text = b.vec::text AS vector_unchanged
FROM racing.entry_features f JOIN leak_before b USING (entry_id), leak l
WHERE f.sport = 'horse' ORDER BY 1 DESC;

-- the same for a NASCAR driver: a 2019 race 1 finisher is now out by crash
CREATE TEMP TABLE leak_n AS
SELECT e.entry_id AS own, e2.entry_id AS later
FROM racing.nascar_entry e JOIN racing.nascar_race x ON x.race_id = e.race_id
JOIN racing.nascar_entry e2 ON e2.driver_id = e.driver_id
JOIN racing.nascar_race x2 ON x2.race_id = e2.race_id AND x2.season = 2019 AND x2.race_num = 2
WHERE x.season = 2019 AND x.race_num = 1 AND e.finish = 1;
CREATE TEMP TABLE leak_n_before AS
SELECT f.entry_id, f.vec FROM racing.entry_features f, leak_n
WHERE f.sport = 'nascar' AND f.entry_id IN (leak_n.own, leak_n.later);
UPDATE racing.nascar_entry SET status = 'accident', status_category = 'crash', laps_led = 0
WHERE entry_id = (SELECT own FROM leak_n);
SELECT (f.entry_id = l.own) AS own_entry, f.stale,
	   f.vec::text = b.vec::text AS vector_unchanged,
	   racing.feature_vector('nascar', f.entry_id)::text = b.vec::text AS read_unchanged
FROM racing.entry_features f JOIN leak_n_before b USING (entry_id), leak_n l
WHERE f.sport = 'nascar' ORDER BY 1 DESC;

-- a pre-race entry: declared without a result, then the result arrives;
-- its vector does not change
CREATE TEMP TABLE pre AS
SELECT r.runner_id, r.position, r.finished, r.pos_text, r.ovr_btn, f.vec
FROM racing.runner r JOIN racing.entry_features f ON f.sport = 'horse' AND f.entry_id = r.runner_id
JOIN racing.race x ON x.race_id = r.race_id
WHERE r.position = 2 ORDER BY x.race_date DESC, r.runner_id LIMIT 1;
UPDATE racing.runner SET has_result = false, position = NULL, finished = NULL, pos_text = NULL, ovr_btn = NULL
WHERE runner_id = (SELECT runner_id FROM pre);
SELECT f.pre_race, f.vec::text = p.vec::text AS vector_unchanged
FROM racing.entry_features f JOIN pre p ON f.sport = 'horse' AND f.entry_id = p.runner_id;
UPDATE racing.runner r SET has_result = true, position = p.position, finished = p.finished,
	   pos_text = p.pos_text, ovr_btn = p.ovr_btn
FROM pre p WHERE r.runner_id = p.runner_id;
SELECT f.pre_race, f.vec::text = p.vec::text AS vector_unchanged
FROM racing.entry_features f JOIN pre p ON f.sport = 'horse' AND f.entry_id = p.runner_id;
SELECT count(*) AS stale_left FROM racing.entry_features WHERE stale AND sport = 'horse';

ROLLBACK;

-- put the sequences back
SELECT count(setval(s.seq, coalesce(s.last_value, 1), s.is_called)) >= 0 AS sequences_restored
FROM feat_seq s;
