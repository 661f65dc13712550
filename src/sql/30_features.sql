--
-- 30_features.sql
--	  Point-in-time feature vectors (src/features.c, src/features_calc.c):
--	  the feature catalog, the stored vectors, the history tables the
--	  triggers maintain, the triggers, and the read API.
--
-- A vector of an entry uses only history strictly before its race: for
-- horses earlier race days, for NASCAR earlier (season, race_num) of the
-- same series.  Missing values are NaN (never SQL NULL inside a vector).
-- Vectors made stale by history that arrived late are recomputed by
-- racing.recompute_stale() (a maintenance step); the readers compute a
-- stale vector on the fly, so they never return a stale value.
-- docs/features.md describes every feature and the design.
--

-- Catalog ------------------------------------------------------------------

CREATE TABLE racing.feature_set (
	sport			text NOT NULL CHECK (sport IN ('horse', 'nascar')),
	set_version		int NOT NULL,
	name			text NOT NULL,
	description		text NOT NULL,
	current			bool NOT NULL DEFAULT true,
	PRIMARY KEY (sport, set_version)
);
COMMENT ON TABLE racing.feature_set IS
'Named, versioned feature sets, one current set per sport.';

CREATE TABLE racing.feature (
	sport			text NOT NULL,
	set_version		int NOT NULL,
	position		int NOT NULL,
	name			text NOT NULL,
	definition		text NOT NULL,
	missing_when	text,
	PRIMARY KEY (sport, set_version, position),
	UNIQUE (sport, set_version, name),
	FOREIGN KEY (sport, set_version) REFERENCES racing.feature_set
);
COMMENT ON TABLE racing.feature IS
'The features of each set: position in the vector (1-based, as SQL arrays), name, point-in-time definition and when the value is missing (NaN).';

INSERT INTO racing.feature_set VALUES
	('horse', 1, 'horse_v1', 'Horse runner features from earlier race days: form, preferences, ratings, weights, connections, draw, pedigree.', true),
	('nascar', 1, 'nascar_v1', 'NASCAR driver features from earlier races of the same series: finishes, ratings, rates, team, make, points.', true);

INSERT INTO racing.feature (sport, set_version, position, name, definition, missing_when)
SELECT 'horse', 1, ord, name, def, nullif(missing, '')
FROM (VALUES
	(1, 'n_runs', 'runs of the horse (with a result, non-runners and void races left out) on earlier days', ''),
	(2, 'debut', '1 when n_runs = 0, else 0', ''),
	(3, 'days_since_run', 'days between the last run and today', 'debut'),
	(4, 'last_normpos', 'normpos of the last run: (pos-1)/(ran-1), 1 for a non-finisher', 'debut'),
	(5, 'avg_normpos_3', 'mean normpos over the last 3 runs', 'debut'),
	(6, 'last_beaten', 'lengths beaten in the last run: 0 winner, min(ovr_btn,30), 30 non-finisher', 'debut'),
	(7, 'avg_beaten_pf_3', 'mean beaten/dist_f over the last 3 runs', 'debut or no distances'),
	(8, 'win_sr', 'career win rate shrunk (wins + 5*0.10)/(runs + 5)', ''),
	(9, 'place_sr', 'career place rate (UK each-way places) shrunk (places + 5*0.30)/(runs + 5)', ''),
	(10, 'course_runs', 'earlier runs at the same course and surface', ''),
	(11, 'course_wins', 'earlier wins at the same course and surface', ''),
	(12, 'cd_winner', '1 if any earlier win at the same course and surface within 0.5 f of today''s distance', ''),
	(13, 'dist_pref', 'mean normpos in today''s distance band (1 f, flat up to 12 f; else 2 f) minus mean normpos overall', 'fewer than 2 runs in the band'),
	(14, 'going_pref', 'mean normpos in today''s going group minus mean normpos overall', 'fewer than 2 runs on the going or going unknown'),
	(15, 'dist_change', 'dist_f today minus dist_f of the last run', 'debut or distance unknown'),
	(16, 'class_drop', 'class of the last run minus class today (Group, Grade, Listed = 1); positive = dropping', 'either class unknown (all IRE non-pattern races)'),
	(17, 'or_today', 'official rating carried today (pre-race column)', 'unrated'),
	(18, 'or_change', 'or_today minus the rating of the last run', 'debut or unrated'),
	(19, 'rpr_last', 'Racing Post Rating earned in the last run', 'debut or no rpr'),
	(20, 'rpr_best3', 'best rpr over the last 3 runs', 'no rpr in them'),
	(21, 'rpr_trend', 'least-squares slope of rpr against run order over the last 4 runs (positive = improving)', 'fewer than 3 rprs'),
	(22, 'well_in', 'rpr_best3 minus or_today, handicaps only', 'not a handicap, or either missing'),
	(23, 'lbs', 'weight carried today in pounds', 'unknown'),
	(24, 'lbs_vs_top', 'lbs minus the top weight among today''s declared starters', 'unknown'),
	(25, 'lbs_change', 'lbs today minus lbs in the last run', 'debut or unknown'),
	(26, 'or_vs_field', 'or_today minus the mean rating of today''s rated starters', 'unrated'),
	(27, 'age', 'age in years', 'unknown'),
	(28, 'age_vs_field', 'age minus the mean age of today''s starters', 'unknown'),
	(29, 'sex_female', '1 for a filly or mare, 0 otherwise', 'sex unknown'),
	(30, 'draw_pct', '(draw-1)/(max draw-1), flat races only', 'no draw, jumps, or max draw 1'),
	(31, 'draw_bias', 'share of winners at the course, surface and distance (whole furlongs) in the prior 1096 days drawn in the horse''s third of the stalls, shrunk toward 1/3 with weight 10, minus 1/3', 'as draw_pct, or fewer than 3 stalls'),
	(32, 'jockey_rides_365', 'rides of the jockey in the 365 days before today', 'no jockey'),
	(33, 'jockey_sr_365', 'jockey win rate in the 365 days before today, shrunk (wins + 10*0.10)/(rides + 10)', 'no jockey'),
	(34, 'trainer_runs_365', 'runners of the trainer in the 365 days before today', 'no trainer'),
	(35, 'trainer_sr_365', 'trainer win rate in the 365 days before today, shrunk like jockey_sr_365', 'no trainer'),
	(36, 'trainer_form_14', 'trainer winners / runners in the 14 days before today (not shrunk)', 'no trainer or no runner in 14 days'),
	(37, 'jt_sr_730', 'win rate of the jockey-trainer pair in the 730 days before today, shrunk', 'no jockey or trainer'),
	(38, 'hg_first_time', '1 if the headgear code ends in 1 (first time), else 0', ''),
	(39, 'hg_changed', '1 if today''s headgear set differs from the last run''s', 'debut'),
	(40, 'field_size', 'declared starters today (non-runners left out)', ''),
	(41, 'log_field_size', 'ln(field_size)', 'no starters'),
	(42, 'sire_going_sr', 'win rate of the sire''s progeny in today''s going group on all earlier days, shrunk', 'no sire or going unknown'),
	(43, 'sire_dist_sr', 'win rate of the sire''s progeny at today''s distance (whole furlongs) on all earlier days, shrunk', 'no sire or distance unknown'),
	(44, 'dist_f', 'today''s distance in furlongs', 'unknown'),
	(45, 'handicap', '1 if the race name says Handicap or Nursery, else 0', '')
) AS t(ord, name, def, missing);

INSERT INTO racing.feature (sport, set_version, position, name, definition, missing_when)
SELECT 'nascar', 1, ord, name, def, nullif(missing, '')
FROM (VALUES
	(1, 'starts_career', 'earlier starts of the driver in the series (with a result, not scratched, not did-not-start)', ''),
	(2, 'rookie', '1 when starts_career < 18', ''),
	(3, 'avg_finish_18', 'mean finish over the last 18 starts', 'no start'),
	(4, 'avg_finish_track_8', 'mean finish over the last 8 starts at the same track (renamed tracks are one)', 'no start at the track'),
	(5, 'avg_finish_type_8', 'mean finish over the last 8 starts at the same track type', 'no start on the type'),
	(6, 'avg_rating_track_8', 'mean driver rating over the last 8 starts at the track, NULL ratings skipped', 'no rating at the track'),
	(7, 'rating_track_n', 'number of ratings behind avg_rating_track_8', ''),
	(8, 'ytd_rating', 'mean rating over this season''s earlier races', 'fewer than 4 ratings this season'),
	(9, 'start', 'starting position today (pre-race once the lineup is set)', 'unknown or 0'),
	(10, 'start_pct', 'start / field_size', 'start unknown'),
	(11, 'pos_gain_10', 'mean (start - finish) over the last 10 starts', 'no start with a start position'),
	(12, 'win_sr_36', 'wins over the last 36 starts, shrunk (k + 5/40)/(n + 5)', ''),
	(13, 'top5_sr_36', 'top-5 finishes over the last 36 starts, shrunk toward 5/40', ''),
	(14, 'top10_sr_36', 'top-10 finishes over the last 36 starts, shrunk toward 10/40', ''),
	(15, 'led_share_10', 'laps led / winner''s laps summed over the last 10 starts', 'no start'),
	(16, 'lead_lap_rate_10', 'share of the last 10 starts (DQ left out) completing the winner''s laps', 'no start'),
	(17, 'dnf_crash_36', 'share of the last 36 starts out by crash (accident, DVP, ...)', 'no start'),
	(18, 'dnf_mech_36', 'share of the last 36 starts out by mechanical failure', 'no start'),
	(19, 'stage_avg_10', 'mean of the non-NULL stage 1 and 2 positions over the last 10 starts', 'none'),
	(20, 'finish_sd_10', 'sample standard deviation of finish over the last 10 starts', 'fewer than 2 starts'),
	(21, 'team_form_10', 'mean finish of every car of today''s team in the team''s last 10 races', 'no team or no earlier race'),
	(22, 'make_type_form', 'mean finish of the make at today''s track type over the previous season and this season before today', 'no such start'),
	(23, 'starts_track', 'earlier starts at the track', ''),
	(24, 'races_since_last', 'series races held between the driver''s previous start and today', 'no earlier start'),
	(25, 'pts_rank_before', 'rank (1 = most) of the driver''s points this season before today among drivers with points', 'no points yet this season'),
	(26, 'team_changed', '1 if today''s team differs from the team of the previous start', 'no earlier start or team unknown'),
	(27, 'led_share_track_8', 'laps led / winner''s laps over the last 8 starts at the track', 'no start at the track'),
	(28, 'field_size', 'entries of today''s race not scratched', '')
) AS t(ord, name, def, missing);

-- Stored vectors -----------------------------------------------------------

CREATE TABLE racing.entry_features (
	sport			text NOT NULL CHECK (sport IN ('horse', 'nascar')),
	entry_id		bigint NOT NULL,
	race_id			bigint NOT NULL,
	set_version		int NOT NULL,
	vec				real[] NOT NULL,
	computed_at		timestamptz NOT NULL DEFAULT now(),
	stale			bool NOT NULL DEFAULT false,
	pre_race		bool NOT NULL,
	tl				int NOT NULL,
	slot			int NOT NULL,
	PRIMARY KEY (sport, entry_id)
);
CREATE INDEX ON racing.entry_features (sport, race_id);
CREATE INDEX entry_features_stale ON racing.entry_features (sport, tl, slot)
	WHERE stale;
COMMENT ON TABLE racing.entry_features IS
'One feature vector per entry (runner_id or NASCAR entry_id): the current set''s values in catalog order, NaN for missing; stale when later-arriving history changed its inputs (see racing.recompute_stale); pre_race when the entry had no result when it was computed; tl and slot are its timeline and time slot.';

-- History maintained by the triggers ---------------------------------------

CREATE TABLE racing.feature_member (
	tl				int NOT NULL,
	kind			smallint NOT NULL,
	key				bigint NOT NULL,
	slot			int NOT NULL,
	entry_id		bigint NOT NULL,
	race_id			bigint NOT NULL,
	n				float8 NOT NULL,
	v1				float8 NOT NULL,
	v2				float8 NOT NULL,
	v3				float8 NOT NULL,
	stats			real[],
	PRIMARY KEY (tl, kind, key, slot, entry_id)
);
CREATE INDEX ON racing.feature_member (race_id, tl);
COMMENT ON TABLE racing.feature_member IS
'Internal: every entry as a member of the history of each participant it depends on (horse, jockey, trainer, pair, sire by going and distance, draw table; driver, team, make by track type, season points, series calendar), with its contribution (n, v1..v3) and for the horse or driver itself its run statistics.';

CREATE TABLE racing.feature_agg (
	tl				int NOT NULL,
	kind			smallint NOT NULL,
	key				bigint NOT NULL,
	lvl				smallint NOT NULL,
	slot			int NOT NULL,
	n				float8 NOT NULL,
	v1				float8 NOT NULL,
	v2				float8 NOT NULL,
	v3				float8 NOT NULL,
	PRIMARY KEY (tl, kind, key, lvl, slot)
) WITH (fillfactor = 70);
COMMENT ON TABLE racing.feature_agg IS
'Internal: running sums of the members'' contributions per participant in a tree of time buckets (level L, 1 to 3, sums slots b*8^L to (b+1)*8^L - 1; level 0 is racing.feature_member itself); changed only by INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n, once per bucket and statement by the net change.';

CREATE TABLE racing.feature_latest (
	tl				int NOT NULL,
	kind			smallint NOT NULL,
	key				bigint NOT NULL,
	max_slot		int NOT NULL,
	prev_max		int,
	PRIMARY KEY (tl, kind, key)
) WITH (fillfactor = 70);
COMMENT ON TABLE racing.feature_latest IS
'Internal: the newest time slot of each participant''s members; every statement upserts the rows of its participants first, which orders concurrent loads that share a participant and tells whether history arrived late.';

-- Triggers -------------------------------------------------------------------

CREATE FUNCTION racing._features_entry_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'features_entry_trigger' LANGUAGE C;
CREATE FUNCTION racing._features_race_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'features_race_trigger' LANGUAGE C;
COMMENT ON FUNCTION racing._features_entry_trigger() IS
'Internal: AFTER INSERT/UPDATE/DELETE statement trigger on racing.runner and racing.nascar_entry that replaces the history of the touched races and stores their vectors.';
COMMENT ON FUNCTION racing._features_race_trigger() IS
'Internal: AFTER UPDATE statement trigger on racing.race and racing.nascar_race; a change of a column the features read reprocesses the race''s entries.';

CREATE TRIGGER runner_features_ins AFTER INSERT ON racing.runner
	REFERENCING NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER runner_features_upd AFTER UPDATE ON racing.runner
	REFERENCING OLD TABLE AS feat_old NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER runner_features_del AFTER DELETE ON racing.runner
	REFERENCING OLD TABLE AS feat_old
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER nascar_entry_features_ins AFTER INSERT ON racing.nascar_entry
	REFERENCING NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER nascar_entry_features_upd AFTER UPDATE ON racing.nascar_entry
	REFERENCING OLD TABLE AS feat_old NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER nascar_entry_features_del AFTER DELETE ON racing.nascar_entry
	REFERENCING OLD TABLE AS feat_old
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_entry_trigger();
CREATE TRIGGER race_features_upd AFTER UPDATE ON racing.race
	REFERENCING OLD TABLE AS feat_old NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_race_trigger();
CREATE TRIGGER nascar_race_features_upd AFTER UPDATE ON racing.nascar_race
	REFERENCING OLD TABLE AS feat_old NEW TABLE AS feat_new
	FOR EACH STATEMENT EXECUTE FUNCTION racing._features_race_trigger();

-- Maintenance ------------------------------------------------------------------

CREATE FUNCTION racing.recompute_stale(max_races int DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'features_recompute_stale'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.recompute_stale(int) IS
'Recompute stale feature vectors, oldest races first, at most max_races races (NULL = all); returns the number of vectors written.  Meant for the maintenance worker; safe to call at any time.';

CREATE FUNCTION racing.rebuild_features(sport text)
RETURNS bigint AS 'MODULE_PATHNAME', 'features_rebuild'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION racing.rebuild_features(text) IS
'Throw away the feature history and vectors of a sport and rebuild them from the entry tables in time order (after loading with the feature triggers disabled); returns the number of vectors written.';

CREATE FUNCTION racing._feature_vectors_now(sport text, race_id bigint)
RETURNS TABLE (entry_id bigint, vec real[])
AS 'MODULE_PATHNAME', 'features_vectors_now' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION racing._feature_vectors_now(text, bigint) IS
'Internal: the vectors of a race computed from the current history, not stored.';

CREATE FUNCTION racing._feature_names_builtin(sport text)
RETURNS text[] AS 'MODULE_PATHNAME', 'features_builtin_names'
LANGUAGE C STRICT IMMUTABLE;
COMMENT ON FUNCTION racing._feature_names_builtin(text) IS
'Internal: feature names in the order the C code writes them (tests compare them with racing.feature).';

CREATE VIEW racing.feature_staleness AS
SELECT s.sport,
	   (SELECT count(*) FROM racing.entry_features f WHERE f.sport = s.sport) AS vectors,
	   (SELECT count(*) FROM racing.entry_features f WHERE f.sport = s.sport AND f.stale) AS stale,
	   (SELECT count(DISTINCT f.race_id) FROM racing.entry_features f WHERE f.sport = s.sport AND f.stale) AS stale_races,
	   CASE s.sport
			WHEN 'horse' THEN (SELECT count(*) FROM racing.runner e WHERE NOT EXISTS
				(SELECT 1 FROM racing.entry_features f WHERE f.sport = 'horse' AND f.entry_id = e.runner_id))
			ELSE (SELECT count(*) FROM racing.nascar_entry e WHERE NOT EXISTS
				(SELECT 1 FROM racing.entry_features f WHERE f.sport = 'nascar' AND f.entry_id = e.entry_id))
	   END AS missing,
	   (SELECT min(f.computed_at) FROM racing.entry_features f WHERE f.sport = s.sport AND f.stale) AS oldest_stale_computed_at
FROM (VALUES ('horse'), ('nascar')) s(sport);
COMMENT ON VIEW racing.feature_staleness IS
'Per sport: stored vectors, how many are stale (waiting for racing.recompute_stale), in how many races, and entries that have no vector at all (loaded with the feature triggers disabled: run racing.rebuild_features).';

-- Read API ---------------------------------------------------------------------

CREATE FUNCTION racing._check_sport(sport text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS
$$
BEGIN
	IF sport IS NULL OR sport NOT IN ('horse', 'nascar') THEN
		RAISE EXCEPTION 'unknown sport "%"', sport
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use horse or nascar.';
	END IF;
	RETURN sport;
END
$$;
COMMENT ON FUNCTION racing._check_sport(text) IS
'Internal: the sport argument when it is horse or nascar, an error (SQLSTATE 22023) otherwise.';

CREATE FUNCTION racing.feature_names(sport text)
RETURNS text[] LANGUAGE sql STABLE AS
$$
	SELECT array_agg(f.name ORDER BY f.position)
	FROM racing.feature f JOIN racing.feature_set s USING (sport, set_version)
	WHERE f.sport = racing._check_sport(feature_names.sport) AND s.current
$$;
COMMENT ON FUNCTION racing.feature_names(text) IS
'Names of the current feature set of a sport (horse or nascar), in vector order.';

CREATE FUNCTION racing.feature_vector_base(sport text, entry_id bigint)
RETURNS real[] LANGUAGE plpgsql STABLE AS
$$
DECLARE
	f racing.entry_features;
	rid bigint;
BEGIN
	PERFORM racing._check_sport(sport);
	SELECT * INTO f FROM racing.entry_features e
	WHERE e.sport = feature_vector_base.sport AND e.entry_id = feature_vector_base.entry_id;
	IF FOUND AND NOT f.stale THEN
		RETURN f.vec;
	END IF;
	-- stale or never computed: compute from the current history
	IF sport = 'horse' THEN
		SELECT r.race_id INTO rid FROM racing.runner r WHERE r.runner_id = feature_vector_base.entry_id;
	ELSE
		SELECT r.race_id INTO rid FROM racing.nascar_entry r WHERE r.entry_id = feature_vector_base.entry_id;
	END IF;
	IF rid IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN (SELECT v.vec FROM racing._feature_vectors_now(sport, rid) v
			WHERE v.entry_id = feature_vector_base.entry_id);
END
$$;
COMMENT ON FUNCTION racing.feature_vector_base(text, bigint) IS
'Feature vector of an entry (runner_id or NASCAR entry_id) from racing.entry_features, computed on the fly when stale or missing; NULL for an unknown entry.';

CREATE FUNCTION racing.feature_vector(sport text, entry_id bigint)
RETURNS real[] LANGUAGE sql STABLE AS
$$ SELECT racing.feature_vector_base(sport, entry_id) $$;
COMMENT ON FUNCTION racing.feature_vector(text, bigint) IS
'Feature vector of an entry; names in racing.feature_names(sport).';

CREATE FUNCTION racing.race_card_base(sport text, race_id bigint)
RETURNS TABLE (entry_id bigint, participant_id bigint, participant text,
			   set_version int, vec real[], stale bool, pre_race bool)
LANGUAGE plpgsql STABLE AS
$$
#variable_conflict use_column
DECLARE
	fresh bool;
BEGIN
	PERFORM racing._check_sport(sport);
	IF sport = 'horse' THEN
		SELECT bool_and(f.entry_id IS NOT NULL AND NOT f.stale) INTO fresh
		FROM racing.runner r LEFT JOIN racing.entry_features f
			ON f.sport = 'horse' AND f.entry_id = r.runner_id
		WHERE r.race_id = race_card_base.race_id;
		RETURN QUERY
		SELECT r.runner_id, r.horse_id, h.name,
			   (SELECT s.set_version FROM racing.feature_set s WHERE s.sport = 'horse' AND s.current),
			   CASE WHEN fresh THEN f.vec ELSE v.vec END, false, NOT r.has_result
		FROM racing.runner r
		JOIN racing.horse h ON h.horse_id = r.horse_id
		LEFT JOIN racing.entry_features f ON f.sport = 'horse' AND f.entry_id = r.runner_id
		LEFT JOIN racing._feature_vectors_now('horse', race_card_base.race_id) v
			ON NOT fresh AND v.entry_id = r.runner_id
		WHERE r.race_id = race_card_base.race_id
		ORDER BY r.num NULLS LAST, r.runner_id;
	ELSE
		SELECT bool_and(f.entry_id IS NOT NULL AND NOT f.stale) INTO fresh
		FROM racing.nascar_entry r LEFT JOIN racing.entry_features f
			ON f.sport = 'nascar' AND f.entry_id = r.entry_id
		WHERE r.race_id = race_card_base.race_id;
		RETURN QUERY
		SELECT r.entry_id, r.driver_id::bigint, d.name,
			   (SELECT s.set_version FROM racing.feature_set s WHERE s.sport = 'nascar' AND s.current),
			   CASE WHEN fresh THEN f.vec ELSE v.vec END, false, NOT r.has_result
		FROM racing.nascar_entry r
		JOIN racing.driver d ON d.driver_id = r.driver_id
		LEFT JOIN racing.entry_features f ON f.sport = 'nascar' AND f.entry_id = r.entry_id
		LEFT JOIN racing._feature_vectors_now('nascar', race_card_base.race_id) v
			ON NOT fresh AND v.entry_id = r.entry_id
		WHERE r.race_id = race_card_base.race_id
		ORDER BY r.start_pos NULLS LAST, r.entry_id;
	END IF;
END
$$;
COMMENT ON FUNCTION racing.race_card_base(text, bigint) IS
'One row per entry of a race (horse race_id or NASCAR race_id) with its participant and current feature vector (computed on the fly when any is stale or missing, so stale is always false here).';

CREATE FUNCTION racing.race_card(sport text, race_id bigint)
RETURNS TABLE (entry_id bigint, participant_id bigint, participant text,
			   set_version int, vec real[], stale bool, pre_race bool)
LANGUAGE sql STABLE AS
$$ SELECT * FROM racing.race_card_base(sport, race_id) $$;
COMMENT ON FUNCTION racing.race_card(text, bigint) IS
'The query of a prediction service: every entry of a race with its feature vector.';

-- Training sets ------------------------------------------------------------------

CREATE FUNCTION racing.training_set(sport text, from_date date DEFAULT NULL,
									to_date date DEFAULT NULL)
RETURNS TABLE (race_id bigint, entry_id bigint, race_date date, race_key text,
			   participant text, win_share real, placed int, finish_pos int,
			   norm_pos real, set_version int, feature_names text[], features real[])
LANGUAGE plpgsql VOLATILE AS
$$
#variable_conflict use_column
DECLARE
	names text[] := racing.feature_names(sport);
BEGIN
	PERFORM racing.recompute_stale();
	IF sport = 'horse' THEN
		RETURN QUERY
		WITH field AS (
			SELECT r.race_id,
				   count(*) FILTER (WHERE NOT r.non_runner) AS ran,
				   count(*) FILTER (WHERE r.position = 1) AS winners
			FROM racing.runner r GROUP BY r.race_id)
		SELECT x.race_id, r.runner_id, x.race_date,
			   format('%s|%s|%s', x.race_date, c.name, to_char(x.off_time, 'HH24:MI')),
			   h.name,
			   CASE WHEN r.position = 1 THEN 1.0 / fd.winners ELSE 0 END::real,
			   (r.position IS NOT NULL AND r.position <=
				CASE WHEN fd.ran <= 4 THEN 1 WHEN fd.ran <= 7 THEN 2
					 WHEN fd.ran >= 16 AND coalesce(x.race_name ~* '(handicap|nursery)', false) THEN 4
					 ELSE 3 END)::int,
			   r.position,
			   CASE WHEN r.position IS NULL THEN 1
					WHEN fd.ran >= 2 THEN least(1, (r.position - 1)::real / (fd.ran - 1))
					ELSE 0 END::real,
			   f.set_version, names, f.vec
		FROM racing.runner r
		JOIN racing.race x ON x.race_id = r.race_id
		JOIN racing.course c ON c.course_id = x.course_id
		JOIN racing.horse h ON h.horse_id = r.horse_id
		JOIN field fd ON fd.race_id = r.race_id
		JOIN racing.entry_features f ON f.sport = 'horse' AND f.entry_id = r.runner_id
		WHERE r.has_result AND NOT r.non_runner
		  AND (from_date IS NULL OR x.race_date >= from_date)
		  AND (to_date IS NULL OR x.race_date <= to_date)
		ORDER BY x.race_date, x.off_time, c.name, r.position NULLS LAST, h.name;
	ELSIF sport = 'nascar' THEN
		RETURN QUERY
		WITH field AS (
			SELECT e.race_id, count(*) FILTER (WHERE NOT e.scratched) AS ran
			FROM racing.nascar_entry e GROUP BY e.race_id)
		SELECT x.race_id, e.entry_id, coalesce(x.race_date, make_date(x.season, 1, 1)),
			   format('%s|%s|%s|%s', x.series, x.season, x.race_num, e.car),
			   d.name,
			   (e.finish = 1)::int::real,
			   (e.finish <= 10)::int,
			   e.finish,
			   CASE WHEN fd.ran >= 2 THEN least(1, (e.finish - 1)::real / (fd.ran - 1))
					ELSE 0 END::real,
			   f.set_version, names, f.vec
		FROM racing.nascar_entry e
		JOIN racing.nascar_race x ON x.race_id = e.race_id
		JOIN racing.driver d ON d.driver_id = e.driver_id
		JOIN field fd ON fd.race_id = e.race_id
		JOIN racing.entry_features f ON f.sport = 'nascar' AND f.entry_id = e.entry_id
		WHERE e.has_result AND NOT e.scratched AND e.finish IS NOT NULL
		  AND (from_date IS NULL OR coalesce(x.race_date, make_date(x.season, 1, 1)) >= from_date)
		  AND (to_date IS NULL OR coalesce(x.race_date, make_date(x.season, 1, 1)) <= to_date)
		ORDER BY x.series, x.season, x.race_num, e.finish, d.name;
	END IF;
END
$$;
COMMENT ON FUNCTION racing.training_set(text, date, date) IS
'One row per entry with a result (horse starters; NASCAR finishers) between from_date and to_date (NULL = open; NASCAR races without a date count as 1 January of their season): ids, natural key (date|course|off or series|season|race|car), participant, labels (win_share with dead heats split, placed, finish_pos, norm_pos) and the feature vector with its names.  Recomputes stale vectors first.  racing.training_set_horse / _nascar give one column per feature.';

-- One column per feature: generated from the catalog of the current sets.
DO $do$
DECLARE
	s text;
	cols text;
	sel text;
BEGIN
	FOREACH s IN ARRAY ARRAY['horse', 'nascar'] LOOP
		SELECT string_agg(format('%I real', f.name), ', ' ORDER BY f.position),
			   string_agg(format('t.features[%s]', f.position), ', ' ORDER BY f.position)
		INTO cols, sel
		FROM racing.feature f JOIN racing.feature_set fs USING (sport, set_version)
		WHERE f.sport = s AND fs.current;
		EXECUTE format($f$
			CREATE FUNCTION racing.training_set_%1$s(from_date date DEFAULT NULL,
													 to_date date DEFAULT NULL)
			RETURNS TABLE (race_id bigint, entry_id bigint, race_date date,
						   race_key text, participant text, win_share real,
						   placed int, finish_pos int, norm_pos real, %2$s)
			LANGUAGE sql VOLATILE AS
			$b$SELECT t.race_id, t.entry_id, t.race_date, t.race_key, t.participant,
					t.win_share, t.placed, t.finish_pos, t.norm_pos, %3$s
			 FROM racing.training_set(%4$L, from_date, to_date) t$b$$f$,
			s, cols, sel, s);
		EXECUTE format('COMMENT ON FUNCTION racing.training_set_%s(date, date) IS %L',
					   s, 'racing.training_set(''' || s || ''', ...) with one real column per feature, ready for COPY TO.');
	END LOOP;
END
$do$;
