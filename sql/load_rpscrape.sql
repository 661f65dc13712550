--
-- Loading rpscrape results: real rows with hand-checked values, reloads,
-- corrections, header variants.
--
\getenv abs_srcdir PG_ABS_SRCDIR
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.race, racing.runner, racing.runner_history,
	racing.horse, racing.jockey, racing.trainer, racing.course,
	racing.course_alias RESTART IDENTITY CASCADE;
RESET client_min_messages;

\set sample :abs_srcdir '/test/data/rpscrape_sample.csv'
SELECT sport, format, rows_read, rows_stored, rows_updated, rows_duplicate,
	   rows_quarantined, status
FROM racing.load_rpscrape(:'sample');

-- Four races: 12-hour off times become 17:10, 19:30, 20:07, 19:00;
-- distances 6f = 1320 yards, 1m = 1760, 2m2f = 3960 (NH Flat at
-- Downpatrick), 3m3½f = 5280 + 770 = 6050 (chase at Stratford).
SELECT r.race_date, c.name AS course, r.off_time, r.race_type, r.dist_text,
	   r.dist_yards, round(r.dist_f::numeric, 2) AS dist_f, r.going,
	   r.going_group, r.surface, r.ran, r.status
FROM racing.race r JOIN racing.course c USING (course_id)
ORDER BY r.race_date, r.off_time;

-- Course names lose their (IRE) suffix; the alias keeps the spelling.
SELECT alias, c.name, c.region FROM racing.course_alias a
JOIN racing.course c USING (course_id) ORDER BY alias;

-- Sligo 2024-05-15 5:10: dead heat for 3rd (Aurora Nova, Akeela: pos 3,
-- 3, then 5), the € prize split (682.50 each), Sadiqaa disqualified
-- (DSQ: not a finisher, no position, margins kept), Pimstrel's RPR `–`.
SELECT h.name, u.pos_text, u.position, u.finished, u.dead_heat, u.pos_code,
	   u.ovr_btn, u.btn, u.time_secs, u.sp_decimal, u.prize, u.prize_currency,
	   u.official_rating, u.rpr, u.lbs, u.draw
FROM racing.runner u
JOIN racing.horse h USING (horse_id)
JOIN racing.race r USING (race_id)
WHERE r.race_date = '2024-05-15'
ORDER BY u.position NULLS LAST, h.name;

-- Brighton 2025-05-21 7:30: dead heat for 1st, prizes in pounds; RPR `–`.
SELECT h.name, u.position, u.dead_heat, u.prize, u.prize_currency, u.rpr,
	   u.official_rating
FROM racing.runner u JOIN racing.horse h USING (horse_id)
JOIN racing.race r USING (race_id)
WHERE r.race_date = '2025-05-21' AND u.position <= 3
ORDER BY u.position, h.name;

-- Downpatrick (PU, RO, SU) and Stratford (5 PU, 2 UR, no draw): codes.
SELECT c.name AS course, u.pos_code, count(*) AS runners,
	   count(u.draw) AS with_draw, count(u.official_rating) AS rated,
	   bool_and(NOT u.finished) AS none_finished,
	   bool_and(u.ovr_btn IS NULL AND u.time_secs IS NULL) AS no_margin_or_time
FROM racing.runner u JOIN racing.race r USING (race_id)
JOIN racing.course c USING (course_id)
WHERE u.pos_code IS NOT NULL
GROUP BY 1, 2 ORDER BY 1, 2;

-- People and horses: one row each, country from the suffix.
SELECT count(*) AS horses, count(*) FILTER (WHERE country = 'IRE') AS irish
FROM racing.horse;
SELECT name, country, sex, sire, dam, damsire FROM racing.horse
WHERE name = 'Eruption (IRE)';

-- Loading the same file again stores nothing new.
SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined
FROM racing.load_rpscrape(:'sample');
SELECT count(*) AS runners FROM racing.runner;

-- Columns are matched by name in any order, upper or lower case; a file
-- without some result columns leaves the stored ones alone.
\set reordered :abs_srcdir '/test/data/rpscrape_reordered.csv'
SELECT rows_read, rows_stored, rows_updated, rows_duplicate
FROM racing.load_rpscrape(:'reordered');

-- The pre-2021 capitalised header with SP (7/4F) and Wgt (9-8): the same
-- race, so only the favourite mark is new (Devasboy, 7/4F = 2.75).
\set old_header :abs_srcdir '/test/data/rpscrape_old_header.csv'
SELECT rows_read, rows_stored, rows_updated, rows_duplicate
FROM racing.load_rpscrape(:'old_header');
SELECT h.name, u.sp_decimal, u.sp_favourite, u.lbs FROM racing.runner u
JOIN racing.horse h USING (horse_id) WHERE u.sp_favourite IS NOT NULL;
SELECT racing.weight_lbs('9-8') AS devasboy_lbs, racing.odds_decimal('7/4F') AS devasboy_sp;

-- A later correction: Edergoles Gift disqualified after the race.  The
-- entry is updated and its earlier version kept in the history.
SELECT rows_read, rows_stored, rows_updated, rows_duplicate
FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran
2025-05-21,Brighton,7:30,Edergoles Gift (IRE),DSQ,8
', 'UTF8'), 'correction.csv');
SELECT u.pos_text, u.position, u.finished, u.pos_code, u.ovr_btn,
	   hist.old_row->>'pos_text' AS old_pos, hist.old_row->>'position' AS old_position
FROM racing.runner u JOIN racing.horse h USING (horse_id)
JOIN racing.runner_history hist USING (runner_id)
WHERE h.name = 'Edergoles Gift (IRE)';

-- Every batch accounts for every row.
SELECT batch_id, rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.batch ORDER BY batch_id;

-- Quality per batch.
SELECT batch_id, round(completeness::numeric, 3) AS completeness,
	   validity, consistency, round(quality_score::numeric, 3) AS score
FROM racing.batch_quality ORDER BY batch_id;

-- Direct writes are checked race by race (C statement trigger, 23514):
-- giving Poetic Force 2nd next to the dead heat for 1st is impossible;
-- moving two runners at once is fine.
\set VERBOSITY terse
UPDATE racing.runner SET position = 2
WHERE horse_id = (SELECT horse_id FROM racing.horse WHERE name = 'Poetic Force (IRE)');
\set VERBOSITY default
BEGIN;
UPDATE racing.runner u SET position = CASE h.name WHEN 'Devasboy (GB)' THEN 4 ELSE 5 END
FROM racing.horse h
WHERE h.horse_id = u.horse_id AND h.name IN ('Devasboy (GB)', 'Comedian Leader (GB)');
ROLLBACK;

-- A dead heat formed with a stored runner: the photo is called again and
-- Second Horse is given 1st with First Horse; both are marked, the stored
-- one too (its old row goes to the history).  Called back, both are unmarked.
SELECT rows_read, rows_stored, rows_updated FROM racing.load_rpscrape_data(convert_to(
'date,region,course,off,type,dist,num,pos,horse,age,sex,lbs,jockey,trainer
2025-06-02,GB,Redcar,2:10,Flat,5f,1,1,First Horse (GB),4,G,130,Test Jockey A,Test Trainer
2025-06-02,GB,Redcar,2:10,Flat,5f,2,2,Second Horse (GB),4,G,130,Test Jockey B,Test Trainer
2025-06-02,GB,Redcar,2:10,Flat,5f,3,3,Third Horse (GB),4,G,130,Test Jockey C,Test Trainer
', 'UTF8'), 'redcar.csv');
SELECT rows_read, rows_stored, rows_updated, rows_quarantined FROM racing.load_rpscrape_data(convert_to(
'date,region,course,off,type,dist,num,pos,horse,age,sex,lbs,jockey,trainer
2025-06-02,GB,Redcar,2:10,Flat,5f,2,1,Second Horse (GB),4,G,130,Test Jockey B,Test Trainer
', 'UTF8'), 'redcar-photo.csv');
SELECT h.name, u.position, u.dead_heat,
	   (SELECT count(*) FROM racing.runner_history x WHERE x.runner_id = u.runner_id) AS old_versions
FROM racing.runner u JOIN racing.horse h USING (horse_id)
WHERE h.name IN ('First Horse (GB)', 'Second Horse (GB)', 'Third Horse (GB)') ORDER BY h.name;
SELECT rows_read, rows_stored, rows_updated, rows_quarantined FROM racing.load_rpscrape_data(convert_to(
'date,region,course,off,type,dist,num,pos,horse,age,sex,lbs,jockey,trainer
2025-06-02,GB,Redcar,2:10,Flat,5f,2,2,Second Horse (GB),4,G,130,Test Jockey B,Test Trainer
', 'UTF8'), 'redcar-photo-2.csv');
SELECT h.name, u.position, u.dead_heat
FROM racing.runner u JOIN racing.horse h USING (horse_id)
WHERE h.name IN ('First Horse (GB)', 'Second Horse (GB)', 'Third Horse (GB)') ORDER BY h.name;
