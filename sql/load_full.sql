--
-- The full shared files: every row accounted for, each quarantined row
-- with its reason, and a second load stores nothing new.  Counts were
-- checked against the files with awk (see comments).
--
\getenv abs_srcdir PG_ABS_SRCDIR
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.race, racing.runner, racing.runner_history,
	racing.horse, racing.jockey, racing.trainer, racing.course,
	racing.course_alias, racing.nascar_race, racing.nascar_entry,
	racing.nascar_entry_history, racing.driver, racing.team RESTART IDENTITY CASCADE;
RESET client_min_messages;

\set horse_full :abs_srcdir '/../shared/data/horse/rpscrape_full.csv'
\set nascar_full :abs_srcdir '/../shared/data/nascar/cup_results_2019_2024.csv'

-- 8,443 data lines (wc -l minus the header).
SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined,
	   rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.load_rpscrape(:'horse_full');
SELECT rule, column_name, count(*) FROM racing.quarantine GROUP BY 1, 2 ORDER BY 1, 2;

-- 928 races (cut -d, -f1,3,4 | sort -u) at 65 courses once the (AW) and
-- (IRE) suffixes are folded (67 spellings).
SELECT count(*) AS races, count(DISTINCT course_id) AS courses FROM racing.race;
-- Dead heats: 6 races, 12 runners (awk on repeated pos within a race).
SELECT count(DISTINCT race_id) AS races, count(*) AS runners
FROM racing.runner WHERE dead_heat;
-- Non-finishers by code: PU 266, UR 38, F 35, DSQ 7, SU 3, RR 3, RO 1
-- (cut -d, -f18 | sort | uniq -c).
SELECT pos_code, count(*) FROM racing.runner WHERE pos_code IS NOT NULL
GROUP BY 1 ORDER BY 1;
-- Off times on the 12-hour clock: one race at 12:xx stays at noon, 1:xx to
-- 9:xx become 13 to 21 (34, 128, 137, 152, 157, 116, 112, 88, 3 races).
SELECT extract(hour FROM off_time) AS hour, count(*) AS races
FROM racing.race GROUP BY 1 ORDER BY 1;
-- Prizes: 1,327 in euro (a € sign), 3,397 in pounds.
SELECT prize_currency, count(*) FROM racing.runner WHERE prize IS NOT NULL
GROUP BY 1 ORDER BY 1;

SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined
FROM racing.load_rpscrape(:'horse_full');

-- 8,175 entries in 216 races over 6 seasons.
SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined,
	   rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.load_nascar(:'nascar_full');
SELECT count(*) AS races, count(DISTINCT season) AS seasons,
	   min(season), max(season) FROM racing.nascar_race;
-- 108 rows of car 00; 1 disqualified; 7,055 running.
SELECT count(*) FILTER (WHERE car = '00') AS car_00,
	   count(*) FILTER (WHERE status = 'disqualified') AS dsq,
	   count(*) FILTER (WHERE status = 'running') AS running
FROM racing.nascar_entry;
SELECT track_type, count(*) AS races FROM racing.nascar_race GROUP BY 1 ORDER BY 1;
SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined
FROM racing.load_nascar(:'nascar_full');
