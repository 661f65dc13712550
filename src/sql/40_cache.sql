--
-- 40_cache.sql
--	  The tiered read cache (src/cache.c, docs/cache.md): change tracking
--	  of the source tables, the warm views (recent form and race cards of
--	  recent and upcoming races), the cold views (careers), the cached
--	  racing.feature_vector and racing.race_card, and the statistics.
--
-- Coherence of the views: every transaction that changes a source table
-- adds, through racing._tier_note_change, one racing.tier_change row per
-- view built from that table.  A refresh deletes the rows of its view
-- before it refreshes, in the same transaction, so rows that remain were
-- committed after the refresh's snapshot.  A reader trusts a warm view
-- only when it sees no row for it in the snapshot it reads the view with.
--

-- Change tracking ------------------------------------------------------------

CREATE TABLE racing.tier_view (
	view_name		text PRIMARY KEY,
	tier			text NOT NULL CHECK (tier IN ('warm', 'cold')),
	sources			text[] NOT NULL,
	description		text NOT NULL,
	last_refresh	timestamptz,
	last_duration	interval,
	refreshes		bigint NOT NULL DEFAULT 0,
	row_count		bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE racing.tier_view IS
'The warm and cold materialized views: tier, the tables they are built from (sources), and their last refresh (time, duration, rows).';

CREATE TABLE racing.tier_change (
	view_name		text NOT NULL,
	source			text NOT NULL,
	changed_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON racing.tier_change (view_name);
COMMENT ON TABLE racing.tier_change IS
'Changes of the views'' sources not yet covered by a refresh: one row per changing transaction, source table and view.  A refresh deletes the rows of its view; a view with rows here is outdated and the readers skip it.';

INSERT INTO racing.tier_view (view_name, tier, sources, description) VALUES
	('warm_race_card', 'warm',
	 '{runner,race,horse,nascar_entry,nascar_race,driver,entry_features,feature_set}',
	 'Race cards of recent and upcoming races'),
	('warm_horse_form', 'warm', '{runner,race,horse,jockey,trainer}',
	 'Horse, jockey and trainer form over the last 90 days'),
	('warm_nascar_form', 'warm', '{nascar_entry,nascar_race,driver,team}',
	 'Driver and team form over the last 36 races of each series'),
	('cold_horse_career', 'cold', '{runner,race,horse,jockey,trainer,course}',
	 'Career figures of horses, jockeys, trainers and courses'),
	('cold_nascar_career', 'cold', '{nascar_entry,nascar_race,driver,team,track}',
	 'Career figures of drivers, teams and tracks');

CREATE FUNCTION racing._tier_note_change(source text)
RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS
$$
	INSERT INTO racing.tier_change (view_name, source)
	SELECT v.view_name, _tier_note_change.source
	FROM racing.tier_view v WHERE _tier_note_change.source = ANY (v.sources)
$$;
COMMENT ON FUNCTION racing._tier_note_change(text) IS
'Internal: record that the current transaction changed a source table of the warm and cold views (called by racing._cache_row_trigger once per table and transaction).';

CREATE FUNCTION racing._tier_notes_reset()
RETURNS void AS 'MODULE_PATHNAME', 'cache_tier_notes_reset' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing._tier_notes_reset() IS
'Internal: make the next change of each source table in this transaction add its racing.tier_change rows again (called by a refresh after it consumed them).';

CREATE FUNCTION racing._cache_row_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'cache_row_trigger' LANGUAGE C;
COMMENT ON FUNCTION racing._cache_row_trigger() IS
'Internal: AFTER ROW and AFTER TRUNCATE trigger on the source tables of the cache; collects the hot keys a transaction touches (invalidated when it commits) and notes the change for the warm and cold views.';

DO $do$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['entry_features', 'runner', 'nascar_entry', 'race',
							 'nascar_race', 'horse', 'driver', 'feature_set',
							 'jockey', 'trainer', 'course', 'team', 'track'] LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON racing.%I'
					   ' FOR EACH ROW EXECUTE FUNCTION racing._cache_row_trigger(%L)',
					   t || '_cache', t, t);
		EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON racing.%I'
					   ' FOR EACH STATEMENT EXECUTE FUNCTION racing._cache_row_trigger(%L)',
					   t || '_cache_truncate', t, t);
	END LOOP;
END
$do$;

-- Warm tier ------------------------------------------------------------------

-- Horse racing's recent window is the 90 days up to the newest race with
-- results (not up to today, so that a historical load has one too); the
-- NASCAR window is the last 36 races with results of each series, about
-- one Cup season, because many NASCAR races carry no date.
CREATE FUNCTION racing._warm_horse_races()
RETURNS TABLE (race_id bigint) LANGUAGE sql STABLE AS
$$
	SELECT x.race_id FROM racing.race x
	WHERE x.status = 'declared'
	   OR x.race_date > (SELECT max(y.race_date) FROM racing.race y
						 WHERE y.status = 'result') - 90
$$;
COMMENT ON FUNCTION racing._warm_horse_races() IS
'Internal: horse races of the warm window, the 90 days up to the newest race with results, and every declared race.';

CREATE FUNCTION racing._warm_nascar_races()
RETURNS TABLE (race_id bigint) LANGUAGE sql STABLE AS
$$
	SELECT r.race_id FROM (
		SELECT x.race_id, row_number() OVER (PARTITION BY x.series
											ORDER BY x.season DESC, x.race_num DESC) AS back
		FROM racing.nascar_race x WHERE x.status = 'result') r
	WHERE r.back <= 36
	UNION
	SELECT x.race_id FROM racing.nascar_race x WHERE x.status <> 'result'
$$;
COMMENT ON FUNCTION racing._warm_nascar_races() IS
'Internal: NASCAR races of the warm window, the last 36 races with results of each series, and every race not yet run.';

CREATE MATERIALIZED VIEW racing.warm_race_card AS
SELECT 'horse'::text AS sport, w.race_id, c.ordinality::int AS card_pos,
	   c.entry_id, c.participant_id, c.participant, c.set_version, c.vec,
	   c.stale, c.pre_race
FROM racing._warm_horse_races() w
CROSS JOIN LATERAL racing.race_card_base('horse', w.race_id) WITH ORDINALITY c
UNION ALL
SELECT 'nascar'::text, w.race_id, c.ordinality::int,
	   c.entry_id, c.participant_id, c.participant, c.set_version, c.vec,
	   c.stale, c.pre_race
FROM racing._warm_nascar_races() w
CROSS JOIN LATERAL racing.race_card_base('nascar', w.race_id) WITH ORDINALITY c;
CREATE UNIQUE INDEX warm_race_card_entry ON racing.warm_race_card (sport, entry_id);
CREATE INDEX warm_race_card_race ON racing.warm_race_card (sport, race_id, card_pos);
COMMENT ON MATERIALIZED VIEW racing.warm_race_card IS
'Warm tier: the race cards (racing.race_card_base rows, card_pos their order) of recent and upcoming races, horse racing the 90 days up to the newest result and every declared race, NASCAR the last 36 races of each series and every race not yet run.  Read by racing.feature_vector and racing.race_card while no change is pending in racing.tier_change.';

CREATE MATERIALIZED VIEW racing.warm_horse_form AS
WITH win AS (
	SELECT max(race_date) AS newest FROM racing.race WHERE status = 'result'
), runs AS (
	SELECT r.horse_id, r.jockey_id, r.trainer_id, x.race_date, r.position, r.prize,
		   r.rpr, w.newest
	FROM racing.runner r
	JOIN racing.race x ON x.race_id = r.race_id
	CROSS JOIN win w
	WHERE r.has_result AND NOT r.non_runner AND x.race_date > w.newest - 90
), per AS (
	SELECT 'horse'::text AS kind, horse_id::bigint AS participant_id, * FROM runs
	UNION ALL
	SELECT 'jockey', jockey_id, * FROM runs WHERE jockey_id IS NOT NULL
	UNION ALL
	SELECT 'trainer', trainer_id, * FROM runs WHERE trainer_id IS NOT NULL
)
SELECT p.kind, p.participant_id,
	   coalesce(h.name, j.name, t.name) AS name,
	   count(*) AS runs,
	   count(*) FILTER (WHERE p.position = 1) AS wins,
	   count(*) FILTER (WHERE p.position <= 3) AS top3,
	   round(count(*) FILTER (WHERE p.position = 1)::numeric / count(*), 4) AS win_rate,
	   round(avg(p.position), 2) AS avg_position,
	   max(p.rpr) AS best_rpr,
	   coalesce(sum(p.prize), 0) AS prize,
	   max(p.race_date) AS last_run,
	   max(p.newest) - 89 AS window_start,
	   max(p.newest) AS window_end
FROM per p
LEFT JOIN racing.horse h ON p.kind = 'horse' AND h.horse_id = p.participant_id
LEFT JOIN racing.jockey j ON p.kind = 'jockey' AND j.jockey_id = p.participant_id
LEFT JOIN racing.trainer t ON p.kind = 'trainer' AND t.trainer_id = p.participant_id
GROUP BY p.kind, p.participant_id, coalesce(h.name, j.name, t.name);
CREATE UNIQUE INDEX warm_horse_form_key ON racing.warm_horse_form (kind, participant_id);
COMMENT ON MATERIALIZED VIEW racing.warm_horse_form IS
'Warm tier: recent form of each horse, jockey and trainer (kind) over the 90 days up to the newest race with results: runs, wins, top-3 finishes, win rate, mean position, best RPR, prize money and last run.';

CREATE MATERIALIZED VIEW racing.warm_nascar_form AS
WITH runs AS (
	SELECT e.driver_id, e.team_id, x.series, x.season, x.race_num, e.finish,
		   e.rating, e.laps_led
	FROM racing.nascar_entry e
	JOIN racing.nascar_race x ON x.race_id = e.race_id
	JOIN racing._warm_nascar_races() w ON w.race_id = x.race_id
	WHERE e.has_result AND NOT e.scratched
), per AS (
	SELECT 'driver'::text AS kind, driver_id::bigint AS participant_id, * FROM runs
	UNION ALL
	SELECT 'team', team_id, * FROM runs WHERE team_id IS NOT NULL
)
SELECT p.kind, p.participant_id, coalesce(d.name, t.name) AS name,
	   count(*) AS starts,
	   count(*) FILTER (WHERE p.finish = 1) AS wins,
	   count(*) FILTER (WHERE p.finish <= 5) AS top5,
	   count(*) FILTER (WHERE p.finish <= 10) AS top10,
	   round(avg(p.finish), 2) AS avg_finish,
	   round(avg(p.rating)::numeric, 1) AS avg_rating,
	   coalesce(sum(p.laps_led), 0) AS laps_led,
	   max(p.season * 1000 + p.race_num) / 1000 AS last_season,
	   max(p.season * 1000 + p.race_num) % 1000 AS last_race_num
FROM per p
LEFT JOIN racing.driver d ON p.kind = 'driver' AND d.driver_id = p.participant_id
LEFT JOIN racing.team t ON p.kind = 'team' AND t.team_id = p.participant_id
GROUP BY p.kind, p.participant_id, coalesce(d.name, t.name);
CREATE UNIQUE INDEX warm_nascar_form_key ON racing.warm_nascar_form (kind, participant_id);
COMMENT ON MATERIALIZED VIEW racing.warm_nascar_form IS
'Warm tier: recent form of each NASCAR driver and team (kind) over the last 36 races with results of each series: starts, wins, top 5 and top 10 finishes, mean finish and rating, laps led and the last race.';

-- Cold tier ------------------------------------------------------------------

CREATE MATERIALIZED VIEW racing.cold_horse_career AS
WITH runs AS (
	SELECT r.horse_id, r.jockey_id, r.trainer_id, x.course_id, x.race_id,
		   x.race_date, r.position, r.prize, r.rpr
	FROM racing.runner r
	JOIN racing.race x ON x.race_id = r.race_id
	WHERE r.has_result AND NOT r.non_runner
), per AS (
	SELECT 'horse'::text AS kind, horse_id::bigint AS participant_id, * FROM runs
	UNION ALL
	SELECT 'jockey', jockey_id, * FROM runs WHERE jockey_id IS NOT NULL
	UNION ALL
	SELECT 'trainer', trainer_id, * FROM runs WHERE trainer_id IS NOT NULL
	UNION ALL
	SELECT 'course', course_id, * FROM runs
)
SELECT p.kind, p.participant_id,
	   coalesce(h.name, j.name, t.name, c.name) AS name,
	   count(*) AS runs,
	   count(DISTINCT p.race_id) AS races,
	   count(*) FILTER (WHERE p.position = 1) AS wins,
	   count(*) FILTER (WHERE p.position <= 3) AS top3,
	   round(count(*) FILTER (WHERE p.position = 1)::numeric / count(*), 4) AS win_rate,
	   round(avg(p.position), 2) AS avg_position,
	   max(p.rpr) AS best_rpr,
	   coalesce(sum(p.prize), 0) AS prize,
	   min(p.race_date) AS first_run,
	   max(p.race_date) AS last_run
FROM per p
LEFT JOIN racing.horse h ON p.kind = 'horse' AND h.horse_id = p.participant_id
LEFT JOIN racing.jockey j ON p.kind = 'jockey' AND j.jockey_id = p.participant_id
LEFT JOIN racing.trainer t ON p.kind = 'trainer' AND t.trainer_id = p.participant_id
LEFT JOIN racing.course c ON p.kind = 'course' AND c.course_id = p.participant_id
GROUP BY p.kind, p.participant_id, coalesce(h.name, j.name, t.name, c.name);
CREATE UNIQUE INDEX cold_horse_career_key ON racing.cold_horse_career (kind, participant_id);
COMMENT ON MATERIALIZED VIEW racing.cold_horse_career IS
'Cold tier: career figures of each horse, jockey, trainer and course (kind) over every race with results: runs (starters for a course), races, wins, top-3 finishes, win rate, mean position, best RPR, prize money, first and last run.';

CREATE MATERIALIZED VIEW racing.cold_nascar_career AS
WITH runs AS (
	SELECT e.driver_id, e.team_id, x.track_id, x.race_id, x.series, x.season,
		   e.finish, e.rating, e.laps_led
	FROM racing.nascar_entry e
	JOIN racing.nascar_race x ON x.race_id = e.race_id
	WHERE e.has_result AND NOT e.scratched
), per AS (
	SELECT 'driver'::text AS kind, driver_id::bigint AS participant_id, * FROM runs
	UNION ALL
	SELECT 'team', team_id, * FROM runs WHERE team_id IS NOT NULL
	UNION ALL
	SELECT 'track', track_id, * FROM runs
)
SELECT p.kind, p.participant_id, coalesce(d.name, t.name, k.name) AS name,
	   count(*) AS starts,
	   count(DISTINCT p.race_id) AS races,
	   count(*) FILTER (WHERE p.finish = 1) AS wins,
	   count(*) FILTER (WHERE p.finish <= 5) AS top5,
	   count(*) FILTER (WHERE p.finish <= 10) AS top10,
	   round(avg(p.finish), 2) AS avg_finish,
	   round(avg(p.rating)::numeric, 1) AS avg_rating,
	   coalesce(sum(p.laps_led), 0) AS laps_led,
	   min(p.season) AS first_season,
	   max(p.season) AS last_season
FROM per p
LEFT JOIN racing.driver d ON p.kind = 'driver' AND d.driver_id = p.participant_id
LEFT JOIN racing.team t ON p.kind = 'team' AND t.team_id = p.participant_id
LEFT JOIN racing.track k ON p.kind = 'track' AND k.track_id = p.participant_id
GROUP BY p.kind, p.participant_id, coalesce(d.name, t.name, k.name);
CREATE UNIQUE INDEX cold_nascar_career_key ON racing.cold_nascar_career (kind, participant_id);
COMMENT ON MATERIALIZED VIEW racing.cold_nascar_career IS
'Cold tier: career figures of each NASCAR driver, team and track (kind) over every race with results: starts (cars for a track), races, wins, top 5 and top 10 finishes, mean finish and rating, laps led, first and last season.';

CREATE FUNCTION racing._refresh_view(view_name text)
RETURNS text LANGUAGE plpgsql VOLATILE AS
$$
DECLARE
	pending bigint;
	nrows bigint;
	t0 timestamptz;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM racing.tier_view v WHERE v.view_name = _refresh_view.view_name) THEN
		RAISE EXCEPTION 'unknown cache view "%"', view_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The views are listed in racing.tier_view.';
	END IF;
	-- one refresh of a view at a time
	IF NOT pg_try_advisory_xact_lock(hashtext('racing refresh'), hashtext(view_name)) THEN
		RETURN view_name || ' busy';
	END IF;
	-- consume the changes this refresh covers before it takes its snapshot
	DELETE FROM racing.tier_change c WHERE c.view_name = _refresh_view.view_name;
	GET DIAGNOSTICS pending = ROW_COUNT;
	-- a change later in this transaction must be noted again
	PERFORM racing._tier_notes_reset();
	IF pending = 0 THEN
		RETURN view_name || ' unchanged';
	END IF;
	t0 := clock_timestamp();
	EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY racing.%I', view_name);
	EXECUTE format('SELECT count(*) FROM racing.%I', view_name) INTO nrows;
	UPDATE racing.tier_view v
	SET last_refresh = clock_timestamp(), last_duration = clock_timestamp() - t0,
		refreshes = v.refreshes + 1, row_count = nrows
	WHERE v.view_name = _refresh_view.view_name;
	RETURN format('%s refreshed (%s rows)', view_name, nrows);
END
$$;
COMMENT ON FUNCTION racing._refresh_view(text) IS
'Internal: refresh one warm or cold view concurrently when racing.tier_change holds changes for it; skips it while another session refreshes it.';

CREATE FUNCTION racing.refresh_tier(tier text)
RETURNS text LANGUAGE plpgsql VOLATILE AS
$$
DECLARE
	v text;
	notes text[] := '{}';
BEGIN
	IF tier IS NULL OR tier NOT IN ('warm', 'cold') THEN
		RAISE EXCEPTION 'unknown cache tier "%"', tier
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use warm or cold.';
	END IF;
	FOR v IN SELECT t.view_name FROM racing.tier_view t
			 WHERE t.tier = refresh_tier.tier ORDER BY t.view_name LOOP
		notes := notes || racing._refresh_view(v);
	END LOOP;
	RETURN array_to_string(notes, ', ');
END
$$;
COMMENT ON FUNCTION racing.refresh_tier(text) IS
'Refresh the views of a tier (warm or cold) whose sources changed since their last refresh; returns what was done per view.  The maintenance worker calls it on racing.warm_refresh_interval and racing.cold_refresh_interval.';

-- Cached reads ---------------------------------------------------------------

CREATE OR REPLACE FUNCTION racing.feature_vector(sport text, entry_id bigint)
RETURNS real[] AS 'MODULE_PATHNAME', 'cache_feature_vector'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.feature_vector(text, bigint) IS
'Feature vector of an entry (runner_id or NASCAR entry_id), read from the hot tier, then the warm race cards, then racing.feature_vector_base, and promoted to the hot tier; names in racing.feature_names(sport).';

CREATE OR REPLACE FUNCTION racing.race_card(sport text, race_id bigint)
RETURNS TABLE (entry_id bigint, participant_id bigint, participant text,
			   set_version int, vec real[], stale bool, pre_race bool)
AS 'MODULE_PATHNAME', 'cache_race_card'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.race_card(text, bigint) IS
'The query of a prediction service: every entry of a race with its feature vector, read from the hot tier, then the warm race cards, then racing.race_card_base, and promoted to the hot tier.';

CREATE FUNCTION racing.participant_form(sport text, kind text, participant_id bigint)
RETURNS TABLE (tier text, refreshed_at timestamptz, outdated bool, figures jsonb)
LANGUAGE plpgsql VOLATILE AS
$$
#variable_conflict use_column
DECLARE
	warm_view text;
	cold_view text;
	j jsonb;
BEGIN
	PERFORM racing._check_sport(sport);
	IF sport = 'horse' AND kind IN ('horse', 'jockey', 'trainer', 'course') THEN
		warm_view := CASE WHEN kind <> 'course' THEN 'warm_horse_form' END;
		cold_view := 'cold_horse_career';
	ELSIF sport = 'nascar' AND kind IN ('driver', 'team', 'track') THEN
		warm_view := CASE WHEN kind <> 'track' THEN 'warm_nascar_form' END;
		cold_view := 'cold_nascar_career';
	ELSE
		RAISE EXCEPTION 'unknown participant kind "%" for %', kind, sport
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use horse, jockey, trainer or course for horse; driver, team or track for nascar.';
	END IF;
	IF warm_view IS NOT NULL THEN
		EXECUTE format('SELECT to_jsonb(w) FROM racing.%I w WHERE w.kind = $1 AND w.participant_id = $2',
					   warm_view) INTO j USING kind, participant_id;
		PERFORM racing._tier_count('warm', j IS NOT NULL);
		RETURN QUERY SELECT 'warm'::text, v.last_refresh,
			EXISTS (SELECT 1 FROM racing.tier_change c WHERE c.view_name = warm_view), j
			FROM racing.tier_view v WHERE v.view_name = warm_view;
	END IF;
	EXECUTE format('SELECT to_jsonb(w) FROM racing.%I w WHERE w.kind = $1 AND w.participant_id = $2',
				   cold_view) INTO j USING kind, participant_id;
	PERFORM racing._tier_count('cold', j IS NOT NULL);
	RETURN QUERY SELECT 'cold'::text, v.last_refresh,
		EXISTS (SELECT 1 FROM racing.tier_change c WHERE c.view_name = cold_view), j
		FROM racing.tier_view v WHERE v.view_name = cold_view;
END
$$;
COMMENT ON FUNCTION racing.participant_form(text, text, bigint) IS
'Recent form (warm tier) and career (cold tier) of a participant as jsonb rows, with the time of the view''s last refresh and whether changes are pending since (outdated).  kind: horse, jockey, trainer, course (horse) or driver, team, track (nascar).';

-- Hot tier maintenance and statistics ---------------------------------------

CREATE FUNCTION racing._hot_available()
RETURNS bool AS 'MODULE_PATHNAME', 'cache_hot_available' LANGUAGE C STABLE;
COMMENT ON FUNCTION racing._hot_available() IS
'Internal: true when the server has the hot tier (racing in shared_preload_libraries).';

CREATE FUNCTION racing._hot_expire()
RETURNS bigint AS 'MODULE_PATHNAME', 'cache_hot_expire' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing._hot_expire() IS
'Internal: remove hot entries older than racing.hot_ttl; returns how many, NULL without the hot tier.';

CREATE FUNCTION racing._hot_prefetch_card(sport text, race_id bigint)
RETURNS bool AS 'MODULE_PATHNAME', 'cache_prefetch_card' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing._hot_prefetch_card(text, bigint) IS
'Internal: read a race card into the hot tier with the priority of an upcoming race; false without the hot tier.';

CREATE FUNCTION racing.cache_flush()
RETURNS bigint AS 'MODULE_PATHNAME', 'cache_hot_flush' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.cache_flush() IS
'Remove every hot-tier entry of the current database; returns how many (NULL without the hot tier).  Never needed for correctness.';

CREATE FUNCTION racing._tier_count(tier text, hit bool)
RETURNS void AS 'MODULE_PATHNAME', 'cache_count_tier' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing._tier_count(text, bool) IS
'Internal: count a hit or miss of the warm or cold tier in racing.cache_stats.';

CREATE FUNCTION racing._cache_counters()
RETURNS TABLE (tier text, hits bigint, misses bigint, entries bigint,
			   bytes bigint, evictions bigint, expirations bigint,
			   reset_at timestamptz)
AS 'MODULE_PATHNAME', 'cache_counters' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing._cache_counters() IS
'Internal: the counters of each tier kept in shared memory (zeros without the hot tier).';

CREATE FUNCTION racing.cache_stats_reset()
RETURNS void AS 'MODULE_PATHNAME', 'cache_counters_reset' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.cache_stats_reset() IS
'Zero the hit, miss, eviction and expiration counters of every tier and set reset_at.';

CREATE VIEW racing.cache_stats AS
SELECT c.tier, c.hits, c.misses,
	   CASE WHEN c.hits + c.misses > 0
			THEN round(c.hits::numeric / (c.hits + c.misses), 4) END AS hit_rate,
	   coalesce(c.entries, v.entries) AS entries,
	   coalesce(c.bytes, v.bytes) AS bytes,
	   c.evictions, c.expirations, c.reset_at
FROM racing._cache_counters() c
LEFT JOIN (
	SELECT t.tier, sum(t.row_count)::bigint AS entries,
		   sum(pg_total_relation_size(format('racing.%I', t.view_name)::regclass))::bigint AS bytes
	FROM racing.tier_view t GROUP BY t.tier) v ON v.tier = c.tier;
COMMENT ON VIEW racing.cache_stats IS
'One row per tier (hot, warm, cold): hits, misses, hit_rate, entries (hot entries; rows of the views at their last refresh), bytes (hot blocks and index entries in use; size of the views), evictions (hot), expirations (hot: entries older than racing.hot_ttl; warm: reads that found the views outdated) and when the counters were reset.';

-- entries of an earlier installation of the extension in this database
-- may carry the same ids
SELECT racing.cache_flush();
