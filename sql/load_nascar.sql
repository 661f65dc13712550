--
-- Loading nascaR.data results: real rows with hand-checked values.
--
\getenv abs_srcdir PG_ABS_SRCDIR
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.nascar_race, racing.nascar_entry,
	racing.nascar_entry_history, racing.driver, racing.team RESTART IDENTITY CASCADE;
RESET client_min_messages;

\set sample :abs_srcdir '/test/data/cup_sample.csv'
SELECT sport, format, rows_read, rows_stored, rows_updated, rows_duplicate,
	   rows_quarantined
FROM racing.load_nascar(:'sample');

-- 2024 races 1 (Daytona 500, 40 cars) and 2 (Atlanta, 37 cars).  Atlanta
-- Motor Speedway is stored under its later name, EchoPark Speedway, and
-- is a superspeedway since its 2022 reprofiling.
SELECT r.series, r.season, r.race_num, t.name AS track, r.race_name,
	   r.length_miles, r.surface, r.track_type, r.status,
	   (SELECT count(*) FROM racing.nascar_entry e WHERE e.race_id = r.race_id) AS cars
FROM racing.nascar_race r JOIN racing.track t USING (track_id)
ORDER BY r.season, r.race_num;

-- The Daytona 500 winner and a DNF: William Byron won from 18th in the
-- 24, led 4 laps; Joey Logano out in an accident after 191 laps, 45 led.
SELECT e.finish, e.start_pos, e.car, d.name AS driver, tm.name AS team,
	   e.make, e.points, e.laps, e.laps_led, e.status, e.status_category,
	   e.stage1, e.stage2, e.rating, e.win
FROM racing.nascar_entry e
JOIN racing.driver d USING (driver_id)
JOIN racing.team tm USING (team_id)
JOIN racing.nascar_race r USING (race_id)
WHERE r.season = 2024 AND r.race_num = 1 AND e.finish IN (1, 32)
ORDER BY e.finish;

-- Status categories of the two races: 59 running, 17 accident and one DVP
-- (damaged vehicle policy) count as crashes.
SELECT e.status_category, count(*) FROM racing.nascar_entry e
GROUP BY 1 ORDER BY 1;

-- 2019 race 1: car 00 (Landon Cassill, accident) is text, not 0; 2020
-- race 7: Jimmie Johnson disqualified, classified 40th after 405 laps.
\set more :abs_srcdir '/test/data/cup_2019r1_2020r7.csv'
SELECT rows_read, rows_stored, rows_duplicate, rows_quarantined
FROM racing.load_nascar(:'more');
SELECT r.season, r.race_num, e.finish, e.car, d.name, e.laps, e.laps_led,
	   e.status, e.status_category, e.points
FROM racing.nascar_entry e JOIN racing.driver d USING (driver_id)
JOIN racing.nascar_race r USING (race_id)
WHERE e.car = '00' OR e.status = 'disqualified'
ORDER BY r.season;
SELECT count(*) FILTER (WHERE car = '00') AS car_00,
	   count(*) FILTER (WHERE car = '0') AS car_0
FROM racing.nascar_entry;

-- Reload: nothing new.
SELECT rows_read, rows_stored, rows_updated, rows_duplicate
FROM racing.load_nascar(:'sample');

-- Renamed columns (Fin, St, #) and another series.
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_nascar_data(convert_to(
'Season,Race,Track,#,Driver,Fin,St,Status,Laps,Led
2023,5,Phoenix Raceway,00,Test Driver A,1,2,running,312,100
2023,5,Phoenix Raceway,8,Test Driver B,2,1,running,312,12
', 'UTF8'), 'renamed.csv', 'xfinity');
SELECT r.series, r.season, r.race_num, e.car, e.finish, e.start_pos, e.win
FROM racing.nascar_entry e JOIN racing.nascar_race r USING (race_id)
WHERE r.series = 'xfinity' ORDER BY e.finish;

-- Bad rows are quarantined with their reason, the rest of the race kept:
-- laps led above laps completed, a Win flag on the car that finished 2nd.
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_nascar_data(convert_to(
'Season,Race,Track,Car,Driver,Finish,Laps,Led,Win
2023,6,Phoenix Raceway,1,Driver One,1,300,301,1
2023,6,Phoenix Raceway,2,Driver Two,2,300,0,1
2023,6,Phoenix Raceway,3,Driver Three,3,300,0,0
', 'UTF8'), 'bad-rows.csv', 'xfinity');
SELECT line_no, rule, column_name, message FROM racing.quarantine
WHERE source = 'bad-rows.csv' ORDER BY line_no;

-- Direct writes meet the same rules through the C trigger (SQLSTATE
-- 23514): laps led cannot exceed laps completed.
\set VERBOSITY terse
UPDATE racing.nascar_entry SET laps_led = laps + 1 WHERE car = '00';
\set VERBOSITY default

SELECT batch_id, rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.batch ORDER BY batch_id;
