--
-- cache.sql
--	  The tiered cache with the library preloaded: cached reads equal the
--	  base functions, repeated reads are hot hits, the warm views refresh
--	  only when their sources changed, a committed change is seen at once,
--	  statistics and maintenance.  Concurrency is in the isolation specs,
--	  the worker and pg_cron in the TAP tests.
--
-- The data is committed (a transaction's own changes bypass the hot
-- tier) and removed at the end, identities restarted.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\set horse :abs_srcdir '/test/data/rpscrape_sample.csv'
\set nascar :abs_srcdir '/test/data/cup_sample.csv'
SET client_min_messages = warning;
SELECT max(track_id) AS seeded_tracks FROM racing.track \gset
SELECT rows_stored > 0 AS loaded FROM racing.load_rpscrape(:'horse');
SELECT rows_stored > 0 AS loaded FROM racing.load_nascar(:'nascar');
SELECT racing.cache_flush() IS NOT NULL AS flushed;
SELECT racing.cache_stats_reset();
RESET client_min_messages;

-- every cached vector and card equals the base function's, read twice
SELECT s.sport, count(*) AS entries,
	   count(*) FILTER (WHERE racing.feature_vector(s.sport, f.entry_id)
						IS NOT DISTINCT FROM racing.feature_vector_base(s.sport, f.entry_id)) AS first_read_equal,
	   count(*) FILTER (WHERE racing.feature_vector(s.sport, f.entry_id)
						IS NOT DISTINCT FROM racing.feature_vector_base(s.sport, f.entry_id)) AS second_read_equal
FROM (VALUES ('horse'), ('nascar')) s(sport)
JOIN racing.entry_features f ON f.sport = s.sport
GROUP BY s.sport ORDER BY 1;

CREATE TEMP TABLE card_check AS
SELECT 'horse'::text AS sport, race_id FROM racing.race
UNION ALL SELECT 'nascar', race_id FROM racing.nascar_race;
SELECT c.sport, count(*) AS races,
	   count(*) FILTER (WHERE
		   (SELECT array_agg(x ORDER BY o) FROM racing.race_card(c.sport, c.race_id) WITH ORDINALITY x(a, b, d, e, f, g, h, o))
		   IS NOT DISTINCT FROM
		   (SELECT array_agg(x ORDER BY o) FROM racing.race_card_base(c.sport, c.race_id) WITH ORDINALITY x(a, b, d, e, f, g, h, o))) AS equal
FROM card_check c GROUP BY c.sport ORDER BY 1;
-- second round: from the hot tier
SELECT c.sport, count(*) AS races,
	   count(*) FILTER (WHERE
		   (SELECT array_agg(x ORDER BY o) FROM racing.race_card(c.sport, c.race_id) WITH ORDINALITY x(a, b, d, e, f, g, h, o))
		   IS NOT DISTINCT FROM
		   (SELECT array_agg(x ORDER BY o) FROM racing.race_card_base(c.sport, c.race_id) WITH ORDINALITY x(a, b, d, e, f, g, h, o))) AS equal
FROM card_check c GROUP BY c.sport ORDER BY 1;

SELECT tier, hits > 0 AS some_hits, misses > 0 AS some_misses,
	   hit_rate BETWEEN 0 AND 1 AS rate_ok, entries > 0 AS has_entries,
	   bytes > 0 AS has_bytes, evictions, reset_at IS NOT NULL AS reset_known
FROM racing.cache_stats WHERE tier = 'hot';

-- a committed change is read at once; the card shows it too
SELECT race_id AS r, entry_id AS e FROM racing.entry_features
WHERE sport = 'horse' ORDER BY entry_id LIMIT 1 \gset
SELECT (racing.feature_vector('horse', :e))[1] = 1234 AS changed;
UPDATE racing.entry_features SET vec[1] = 1234 WHERE sport = 'horse' AND entry_id = :e;
SELECT (racing.feature_vector('horse', :e))[1] = 1234 AS changed;
SELECT vec[1] = 1234 AS changed FROM racing.race_card('horse', :r) WHERE entry_id = :e;

-- warm tier: refreshed only when changed, then used
SELECT task, outcome FROM racing.run_maintenance();
SELECT view_name, refreshes, row_count > 0 AS has_rows FROM racing.tier_view ORDER BY 1;
SELECT racing.refresh_tier('warm');
SELECT racing.refresh_tier('cold');
SELECT count(*) AS pending_changes FROM racing.tier_change;
SELECT race_id AS wr, entry_id AS we FROM racing.warm_race_card
WHERE sport = 'horse' ORDER BY entry_id LIMIT 1 \gset
SELECT racing.cache_flush() > 0 AS flushed;
SELECT racing.cache_stats_reset();
SELECT racing.feature_vector('horse', :we) = racing.feature_vector_base('horse', :we) AS from_warm;
SELECT count(*) = (SELECT count(*) FROM racing.runner WHERE race_id = :wr) AS card_from_warm
FROM racing.race_card('horse', :wr);
SELECT racing.feature_vector('horse', :we) = racing.feature_vector_base('horse', :we) AS from_hot;
SELECT tier, hits, misses FROM racing.cache_stats ORDER BY tier;
-- a change makes the warm views outdated until the next refresh
UPDATE racing.entry_features SET vec[1] = 4321 WHERE sport = 'horse' AND entry_id = :we;
SELECT (racing.feature_vector('horse', :we))[1] AS after_change;
SELECT tier, hits, misses, expirations FROM racing.cache_stats WHERE tier = 'warm';
SELECT racing.refresh_tier('warm');

-- recent form and career
SELECT tier, outdated, figures ? 'wins' AS has_wins
FROM racing.participant_form('horse', 'horse',
	(SELECT horse_id FROM racing.runner WHERE runner_id = :we));
SELECT tier, figures->>'kind' AS kind, (figures->>'races')::int AS races
FROM racing.participant_form('nascar', 'track',
	(SELECT track_id FROM racing.nascar_race ORDER BY race_id LIMIT 1));
SELECT tier, hits, misses FROM racing.cache_stats WHERE tier IN ('warm', 'cold') ORDER BY tier;

-- errors
SELECT racing.feature_vector('golf', 1);
SELECT * FROM racing.race_card(NULL, 1);
SELECT racing.refresh_tier('tepid');
SELECT * FROM racing.participant_form('horse', 'driver', 1);
SELECT racing.feature_vector('horse', NULL) IS NULL AS null_entry;
SELECT count(*) FROM racing.race_card('horse', -1);

-- the status view names every task once
SELECT task, outcome, failures, next_run > now() AS scheduled FROM racing.maintenance_status;

-- leave the database as it was: the extension seeds some tracks, keep
-- those and drop the ones the sample added
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.race, racing.runner, racing.runner_history,
	racing.horse, racing.jockey, racing.trainer, racing.course,
	racing.course_alias, racing.quarantine, racing.nascar_race,
	racing.nascar_entry, racing.nascar_entry_history, racing.driver,
	racing.team, racing.entry_features,
	racing.feature_member, racing.feature_agg, racing.feature_latest
	RESTART IDENTITY CASCADE;
DELETE FROM racing.track_alias WHERE track_id > :seeded_tracks;
DELETE FROM racing.track WHERE track_id > :seeded_tracks;
SELECT setval('racing.track_track_id_seq', :seeded_tracks) = :seeded_tracks AS seq_restored;
SELECT racing.refresh_tier('warm') IS NOT NULL AS refreshed,
	   racing.refresh_tier('cold') IS NOT NULL AS refreshed;
RESET client_min_messages;
