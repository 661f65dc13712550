--
-- notation: the racing-notation parsers of src/notation.c through their
-- SQL functions.  Every notation is shown with the values it must give,
-- then the missing markers, then invalid input with its error and hint.
--
-- Text with multibyte characters (½ – € ...) is always the last column
-- so that the layout does not depend on the database encoding.
--
\pset null '(null)'
-- Distances: miles, furlongs (with a half), yards; 1m = 1760y, 1f = 220y
SELECT racing.distance_yards(d) AS yards,
       racing.distance_furlongs(d) AS furlongs, d AS distance
FROM (VALUES ('1m2½f'), ('2m4f110y'), ('5f'), ('7½f'), ('10.5f'), ('1m'),
             ('2m½f'), ('1m110y'), ('6f'), (' 1m 2f '), ('3m5½f')) AS t(d);
-- Beaten margins in lengths, decimals and the abbreviations
SELECT racing.beaten_lengths(m) AS lengths, m AS margin
FROM (VALUES ('0'), ('.5'), ('1.25'), ('12.5'), ('1¾'), ('½'), ('2¼'),
             ('1 3/4'), ('3/4'), ('dht'), ('nse'), ('shd'), ('sht-hd'),
             ('hd'), ('snk'), ('nk'), ('lgnk'), ('dist'), ('NK')) AS t(m);
-- Finishing positions: numbers, dead heats and the non-finishing codes
SELECT p AS pos, r.*
FROM (VALUES ('1'), ('23'), ('1='), ('3='), ('dh1'), ('PU'), ('F'), ('UR'),
             ('BD'), ('RO'), ('SU'), ('CO'), ('REF'), ('RR'), ('DSQ'),
             ('VOI'), ('LFT'), ('pu'), ('-')) AS t(p),
     LATERAL racing.parse_position(p) AS r;
-- Weights: stones-pounds and plain pounds
SELECT w AS weight, racing.weight_lbs(w) AS lbs
FROM (VALUES ('11-7'), ('9-0'), ('10-13'), ('161'), ('11st 7lb'),
             ('11st'), ('-')) AS t(w);
-- Race times: seconds are not zero-padded in rpscrape ("1:4.85")
SELECT tm AS race_time, racing.race_time_secs(tm) AS secs
FROM (VALUES ('1:4.85'), ('4:05.20'), ('5:9.18'), ('64.85'), ('1m 4.85s'),
             ('-')) AS t(tm);
-- Odds: fractional with favourite marks, evens, decimal, no odds
SELECT o AS sp, racing.odds_decimal(o) AS dec, racing.odds_favourite(o) AS fav
FROM (VALUES ('9/4F'), ('Evens'), ('EvsF'), ('11/10J'), ('5/1C'), ('8/11'),
             ('100/30'), ('4.50'), ('No Odds'), ('SP')) AS t(o);
-- Off times: a 12-hour card without am/pm, then the same read as 24-hour
SELECT o AS off, racing.off_time_24h(o) AS twelve_hour_card,
       racing.off_time_24h(o, false) AS as_written
FROM (VALUES ('1:05'), ('8:28'), ('9:00'), ('12:50'), ('11:15'), ('13:05'),
             ('06:40'), ('1:05pm'), ('11:30am'), ('12:10am')) AS t(o);
-- Prize money: euro sign, pound sign with separators, bare pounds
SELECT r.amount, r.currency, p AS prize_text
FROM (VALUES ('€6195'), ('€682.50'), ('£5,234'), ('8053.52'), ('85065'),
             ('$1,200'), ('6195 EUR'), ('EUR 6195')) AS t(p),
     LATERAL racing.parse_prize(p) AS r;
SELECT * FROM racing.parse_prize('85065', 'eur');
SELECT * FROM racing.parse_prize('');
-- Goings to going groups
SELECT racing.going_group(g) AS grp, g AS going
FROM (VALUES ('Hard'), ('Firm'), ('Good To Firm'), ('Good'),
             ('Good To Yielding'), ('Good To Soft'), ('Yielding'),
             ('Yielding To Soft'), ('Soft'), ('Soft To Heavy'), ('Very Soft'),
             ('Heavy'), ('Holding'), ('Standard'), ('Standard To Slow'),
             ('Standard To Fast'), ('Slow'), ('Fast'), ('Muddy'), ('Sloppy'),
             ('good to  firm'), ('Good (Good To Firm in places)'),
             ('Gd/Sft'), ('')) AS t(g);
-- Missing markers: empty, blanks, hyphen, en dash, em dash
SELECT racing.int_or_null(s) AS int,
       '[' || racing.missing_to_null(s) || ']' AS kept, '[' || s || ']' AS text
FROM (VALUES (''), ('   '), ('-'), ('–'), ('—'), ('7'), (' 85 ')) AS t(s);
SELECT racing.int_or_null('–') AS or_rating, racing.int_or_null('134') AS lbs,
       racing.int_or_null('-3') AS negative;
SELECT racing.beaten_lengths('–'), racing.weight_lbs('—'),
       racing.race_time_secs(' '), racing.odds_decimal('-'),
       racing.off_time_24h(''), racing.going_group('—');
-- Every NASCAR status of the 2019-2024 Cup results, by category
SELECT racing.nascar_status_category(s) AS category, s AS status
FROM (VALUES ('running'), ('accident'), ('engine'), ('DVP'), ('suspension'),
             ('electrical'), ('steering'), ('brakes'), ('transmission'),
             ('rear gear'), ('handling'), ('fuel pump'), ('overheating'),
             ('rear end'), ('clutch'), ('too slow'), ('fire'), ('drivetrain'),
             ('driveshaft'), ('battery'), ('water pump'), ('vibration'),
             ('track bar'), ('rear hub'), ('power'), ('hub'), ('fatigue'),
             ('exhaust'), ('tire'), ('throttle'), ('power steering'),
             ('parked'), ('oil pressure'), ('oil cooler'),
             ('fuel pressure'), ('fuel'), ('front hub'), ('disqualified'),
             ('chassis'), ('axle')) AS t(s)
ORDER BY racing.nascar_status_category(s) COLLATE "C", s COLLATE "C";
-- Other spellings, an unknown status and a missing one
SELECT s AS status, racing.nascar_status_category(s) AS category
FROM (VALUES ('dns'), ('DQ'), ('crash'), ('heat exhaustion'), ('something new'),
             ('-')) AS t(s);
-- Track types of real tracks across eras
SELECT track, season, length_miles, surface,
       racing.track_type(track, season, length_miles, surface) AS track_type
FROM (VALUES
  ('Daytona International Speedway', 2024, 2.5, 'paved'),
  ('Daytona International Speedway Road Course', 2020, 3.61, 'road'),
  ('Talladega Superspeedway', 2019, 2.66, 'paved'),
  ('Atlanta Motor Speedway', 2021, 1.54, 'paved'),
  ('Atlanta Motor Speedway', 2022, 1.54, 'paved'),
  ('EchoPark Speedway', 2025, 1.54, 'paved'),
  ('Charlotte Motor Speedway', 2023, 1.5, 'paved'),
  ('Charlotte Motor Speedway Road Course', 2023, 2.28, 'road'),
  ('Bristol Motor Speedway', 2020, 0.533, 'paved'),
  ('Bristol Motor Speedway Dirt Track', 2021, 0.533, 'dirt'),
  ('Bristol Motor Speedway Dirt Track', 2023, 0.533, 'dirt'),
  ('Bristol Motor Speedway', 2024, 0.533, 'paved'),
  ('Martinsville Speedway', 2024, 0.526, 'paved'),
  ('Richmond Raceway', 2024, 0.75, 'paved'),
  ('Iowa Speedway', 2024, 0.875, 'paved'),
  ('Phoenix Raceway', 2024, 1, 'paved'),
  ('Dover International Speedway', 2024, 1, 'paved'),
  ('New Hampshire Motor Speedway', 2024, 1.058, 'paved'),
  ('Nashville Superspeedway', 2024, 1.333, 'paved'),
  ('Darlington Raceway', 2024, 1.366, 'paved'),
  ('Michigan International Speedway', 2024, 2, 'paved'),
  ('Pocono Raceway', 2024, 2.5, 'paved'),
  ('Indianapolis Motor Speedway', 2024, 2.5, 'paved'),
  ('Indianapolis Motor Speedway Road Course', 2022, 2.439, 'road'),
  ('Watkins Glen International', 2024, 2.45, 'road'),
  ('Chicago Street Course', 2023, 2.14, 'road'),
  ('Circuit of the Americas', 2024, 3.41, 'road'),
  ('Martinsville Speedway', 1990, NULL, NULL),
  ('Sonoma Raceway', 2000, NULL, NULL),
  ('Talladega Superspeedway', NULL, NULL, NULL),
  ('North Wilkesboro Speedway', 1995, NULL, 'paved'),
  ('Rockingham Speedway', 2004, NULL, 'paved')
) AS t(track, season, length_miles, surface);
-- Invalid input: the error names the text, the hint the accepted forms
SELECT racing.distance_yards('1m2x');
SELECT racing.distance_yards('1194m');
SELECT racing.distance_furlongs('5f1m');
SELECT racing.beaten_lengths('13/4');
SELECT racing.beaten_lengths('lengths');
SELECT * FROM racing.parse_position('0');
SELECT * FROM racing.parse_position('NR');
SELECT racing.weight_lbs('11-14');
SELECT racing.race_time_secs('1:60.5');
SELECT racing.odds_decimal('1/0');
SELECT racing.odds_favourite('9/4X');
SELECT racing.off_time_24h('25:00');
SELECT racing.off_time_24h('1:5');
SELECT * FROM racing.parse_prize('5,23');
SELECT * FROM racing.parse_prize('£5,234 EUR');
SELECT * FROM racing.parse_prize('100', 'euro');
SELECT racing.going_group('Boggy');
SELECT racing.int_or_null('12a');
-- The SQLSTATE is 22P02, invalid_text_representation
DO $$
BEGIN
	PERFORM racing.distance_yards('five furlongs');
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'caught SQLSTATE %', SQLSTATE;
END
$$;
