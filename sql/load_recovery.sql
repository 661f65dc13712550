--
-- Files that are messy but readable: every physical line ends up stored,
-- a duplicate or in the quarantine, and the rest of the file is still
-- read after a broken line.  Races are checked together with what is
-- already stored of them.
--
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.race, racing.runner, racing.runner_history,
	racing.horse, racing.jockey, racing.trainer, racing.course,
	racing.course_alias, racing.quarantine, racing.nascar_race,
	racing.nascar_entry, racing.driver, racing.team RESTART IDENTITY CASCADE;

CREATE FUNCTION pg_temp.load(content text, name text)
RETURNS TABLE (rows_read bigint, rows_stored bigint, rows_updated bigint,
			   rows_duplicate bigint, rows_quarantined bigint)
LANGUAGE sql AS $$
	SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined
	FROM racing.load_rpscrape_data(convert_to(content, 'UTF8'), name)
$$;
CREATE FUNCTION pg_temp.quarantined(name text)
RETURNS TABLE (line_no bigint, rule text, message text, raw_text text)
LANGUAGE sql AS $$
	SELECT line_no, rule, message, raw_text FROM racing.quarantine
	WHERE source = name ORDER BY quarantine_id
$$;

-- A stray quote inside an unquoted field (line 3): that line alone is
-- quarantined, with its text, and lines 4 and 5 are still read.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-01,Ascot,2:30,Alpha (GB),1,4
2025-07-01,Ascot,2:30,Be"ta (GB),2,4
2025-07-01,Ascot,2:30,Gamma (GB),3,4
2025-07-01,Ascot,2:30,Delta (GB),4,4
', 'stray-quote.csv');
SELECT * FROM pg_temp.quarantined('stray-quote.csv');

-- A stray quote that a later quote closes (line 3 to line 5): the parser
-- would read lines 3 to 5 as one record of the wrong length; line 3 alone
-- is quarantined and lines 4 and 5 are read again as lines of their own.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran,comment
2025-07-19,Ascot,2:30,Alpha (GB),1,4,led
2025-07-19,Ascot,2:30,Be"ta (GB),2,4,chased
2025-07-19,Ascot,2:30,Gamma (GB),3,4,kept on
2025-07-19,Ascot,2:30,Delta (GB),4,4,"never nearer, tailed off"
', 'runaway-quote.csv');
SELECT * FROM pg_temp.quarantined('runaway-quote.csv');
SELECT h.name, u.position, u.comment FROM racing.runner u JOIN racing.horse h USING (horse_id)
JOIN racing.race r USING (race_id) WHERE r.race_date = '2025-07-19' ORDER BY u.position;

-- Blank lines before the header are skipped like blank lines elsewhere;
-- line numbers stay those of the file.
SELECT * FROM pg_temp.load(
E'\n\ndate,course,off,horse,pos,ran\n2025-07-20,Ascot,2:30,Alpha (GB),1,2\n2025-07-20,Ascot,2:30,Beta (GB),2,2,extra\n',
'blank-first.csv');
SELECT line_no, rule FROM pg_temp.quarantined('blank-first.csv');

-- A line holding only \. would end COPY input: it is quarantined and the
-- lines after it are read.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-02,Ascot,2:30,Alpha (GB),1,2
\.
2025-07-02,Ascot,2:30,Beta (GB),2,2
', 'end-marker.csv');
SELECT * FROM pg_temp.quarantined('end-marker.csv');

-- Line ends switching from CRLF to LF (two files concatenated), blank
-- lines (skipped, they are no records): everything read.
SELECT * FROM pg_temp.load(
E'date,course,off,horse,pos,ran\r\n2025-07-03,Ascot,2:30,Alpha (GB),1,3\r\n\n2025-07-03,Ascot,2:30,Beta (GB),2,3\n2025-07-03,Ascot,2:30,Gamma (GB),3,3\n\n\n',
'mixed-line-ends.csv');

-- The same line twice is a duplicate, not a 3rd runner in a 2-runner
-- race; the same horse twice with other values is quarantined.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-04,Ascot,2:30,Alpha (GB),1,2
2025-07-04,Ascot,2:30,Alpha (GB),1,2
2025-07-04,Ascot,2:30,Beta (GB),2,2
2025-07-04,Ascot,2:30,Beta (GB),1,2
', 'repeated.csv');
SELECT * FROM pg_temp.quarantined('repeated.csv');

-- Two copies of a file concatenated, header and all: the second header
-- is a bad row, the rest duplicates.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-05,Ascot,2:30,Alpha (GB),1,2
2025-07-05,Ascot,2:30,Beta (GB),2,2
date,course,off,horse,pos,ran
2025-07-05,Ascot,2:30,Alpha (GB),1,2
2025-07-05,Ascot,2:30,Beta (GB),2,2
', 'concatenated.csv');
SELECT line_no, rule, message FROM pg_temp.quarantined('concatenated.csv');

-- A race split over two parts of the file is checked as one: here its
-- parts give two winners and a second, an impossible order, so the
-- race is quarantined (which line is wrong cannot be told); the race
-- in between is stored.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-06,Ascot,2:30,Alpha (GB),1,3
2025-07-06,Ascot,3:05,Other (GB),1,1
2025-07-06,Ascot,2:30,Beta (GB),1,3
2025-07-06,Ascot,2:30,Gamma (GB),2,3
', 'split.csv');
SELECT line_no, rule, message FROM pg_temp.quarantined('split.csv');

-- A correction that renames the winner would leave 3 runners in a
-- 2-runner race: quarantined against the stored rows, nothing changed.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-07,Ascot,2:30,Alpha (IRE),1,2
2025-07-07,Ascot,2:30,Beta (GB),2,2
', 'before-rename.csv');
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-07,Ascot,2:30,Alpha (GB),1,2
', 'renamed.csv');
SELECT line_no, rule, message FROM pg_temp.quarantined('renamed.csv');
-- A disqualification published later fits with the stored rows.
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-07,Ascot,2:30,Alpha (IRE),DQ,2
', 'disqualified.csv');
SELECT h.name, u.pos_text, u.position, u.pos_code FROM racing.runner u
JOIN racing.horse h USING (horse_id) JOIN racing.race r USING (race_id)
WHERE r.race_date = '2025-07-07' ORDER BY h.name;

-- Non-runners are entries but not runners: they do not count against
-- ran, whether in the file or already stored (a race card's NR).
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-09,Ascot,2:30,Alpha (GB),1,2
2025-07-09,Ascot,2:30,Beta (GB),2,2
2025-07-09,Ascot,2:30,Gamma (GB),NR,2
', 'non-runner.csv');
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-09,Ascot,2:30,Alpha (GB),1,2
2025-07-09,Ascot,2:30,Beta (GB),2,2
', 'non-runner-again.csv');

-- NASCAR: a driver moved from car 00 to car 0 would be in the race twice;
-- the series is matched without case or spaces.
SELECT rows_read, rows_stored, rows_quarantined FROM racing.load_nascar_data(convert_to(
'Season,Race,Track,Car,Driver,Finish
2024,3,Phoenix Raceway,00,Driver A,1
2024,3,Phoenix Raceway,8,Driver B,2
', 'UTF8'), 'car-00.csv', ' Cup ');
SELECT rows_read, rows_stored, rows_quarantined FROM racing.load_nascar_data(convert_to(
'Season,Race,Track,Car,Driver,Finish
2024,3,Phoenix Raceway,0,Driver A,3
', 'UTF8'), 'car-0.csv', 'CUP');
SELECT line_no, rule, message FROM pg_temp.quarantined('car-0.csv');
-- and another driver in car 00 would put the car in the race twice
SELECT rows_read, rows_stored, rows_quarantined FROM racing.load_nascar_data(convert_to(
'Season,Race,Track,Car,Driver,Finish
2024,3,Phoenix Raceway,00,Driver C,3
', 'UTF8'), 'car-00-again.csv', 'cup');
SELECT line_no, rule, message FROM pg_temp.quarantined('car-00-again.csv');
SELECT DISTINCT series FROM racing.nascar_race;

-- A name far too long to be a name (it would not fit in the index) is
-- quarantined, not an error that loses the file.
SELECT rows_read, rows_stored, rows_quarantined FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran
2025-07-10,Ascot,2:30,' || repeat('Longname', 5000) || ',1,2
2025-07-10,Ascot,2:30,Beta (GB),2,2
', 'UTF8'), 'long-name.csv');
SELECT line_no, rule, column_name, message FROM racing.quarantine WHERE source = 'long-name.csv';

-- A raw value over 1 MB is kept in the quarantine by its first megabyte
-- and its length (a jsonb string holds at most 256 MB).
SELECT * FROM pg_temp.load(
'date,course,off,horse,pos,ran
2025-07-21,Ascot,2:30,' || repeat('Hugename', 300000) || ',1,2
2025-07-21,Ascot,2:30,Beta (GB),2,2
', 'huge-name.csv');
SELECT line_no, rule, length(raw->>'horse') AS kept, right(raw->>'horse', 50) AS tail
FROM racing.quarantine WHERE source = 'huge-name.csv';

-- Arguments: NULL, an unknown series, a header naming a column twice.
RESET client_min_messages;
\set VERBOSITY terse
SELECT * FROM racing.load_rpscrape_data(NULL, 'x.csv');
SELECT * FROM racing.load_nascar_data(convert_to('Season', 'UTF8'), 'x.csv', 'formula one');
SELECT * FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,POS
2025-07-08,Ascot,2:30,Alpha (GB),1,2
', 'UTF8'), 'twice.csv');
\set VERBOSITY default

-- Every batch adds up, every physical line is accounted for.
SELECT source, rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.batch ORDER BY batch_id;
