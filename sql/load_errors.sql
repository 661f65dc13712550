--
-- Bad input: clear errors with SQLSTATEs for files that cannot be
-- loaded at all, quarantine with reasons for bad rows; nothing lost.
--
SET client_min_messages = warning;
TRUNCATE racing.batch, racing.race, racing.runner, racing.horse,
	racing.course, racing.course_alias, racing.quarantine RESTART IDENTITY CASCADE;
RESET client_min_messages;

-- Errors shown as SQLSTATE, message, detail and hint.
CREATE FUNCTION pg_temp.try(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	state text; msg text; detail text; hint text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RETURN state || ': ' || msg || E'\n  detail: ' || coalesce(detail, '')
		|| E'\n  hint: ' || coalesce(hint, '');
END
$$;

-- A file that is not there, a directory.
SELECT pg_temp.try($$SELECT racing.load_rpscrape('/nonexistent/racing/results.csv')$$);
SELECT pg_temp.try($$SELECT racing.load_nascar('/')$$);

-- An empty file.
SELECT pg_temp.try($$SELECT racing.load_rpscrape_data(''::bytea, 'empty.csv')$$);

-- A header without the key columns: the error names them.
SELECT pg_temp.try($q$SELECT racing.load_rpscrape_data(convert_to(
'date,region,course,race_name,pos
2025-05-21,GB,Brighton,Some Race,1
', 'UTF8'), 'no-keys.csv')$q$);
SELECT pg_temp.try($q$SELECT racing.load_nascar_data(convert_to(
'Season,Race,Track,Finish
2024,1,Daytona International Speedway,1
', 'UTF8'), 'no-keys-nascar.csv')$q$);

-- Binary garbage: a PNG signature (NUL bytes) and gzip bytes.
SELECT pg_temp.try($$SELECT racing.load_rpscrape_data(
	decode('89504e470d0a1a0a0000000d4948445200000001', 'hex'), 'image.png')$$);
SELECT pg_temp.try($$SELECT racing.load_rpscrape_data(
	decode('1f8b0808d1e3a05c0003726573756c74732e637376', 'hex'), 'results.csv.gz')$$);
-- Random bytes without NULs: no header to match.
SELECT pg_temp.try($$SELECT racing.load_rpscrape_data(
	decode('c3a9ff7e01020304', 'hex'), 'noise.bin')$$);

-- Nothing was stored by any of these.
SELECT count(*) AS batches FROM racing.batch;

-- A truncated last line: the complete rows are stored, the cut one is
-- quarantined with its fields.
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran,lbs
2025-06-01,Kempton (AW),7:00,Alpha (GB),1,2,130
2025-06-01,Kempton (AW),7:00,Beta (GB),2,2,1', 'UTF8'), 'truncated.csv');
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran,lbs
2025-06-02,Kempton (AW),7:00,Alpha (GB),1,2,130
2025-06-02,Kempton (AW),7:00,Beta', 'UTF8'), 'truncated-fields.csv');
-- A file cut inside a quoted field: the parser's own message, with line.
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran,lbs
2025-06-03,Kempton (AW),7:00,Alpha (GB),1,2,130
2025-06-03,Kempton (AW),7:00,"Beta', 'UTF8'), 'cut-quote.csv');

-- cp1252 bytes: 0x96 (en dash) in the OR column, 0xA3 (pound sign) in
-- the race name.  Quarantined by default, with the byte and column...
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_rpscrape_data(
	convert_to(E'date,course,off,horse,pos,ran,or,race_name\n2025-06-04,Kempton (AW),7:00,Alpha (GB),1,2,55,Plain Handicap\n2025-06-04,Kempton (AW),7:00,Beta (GB),2,2,', 'UTF8')
	|| '\x96'::bytea || convert_to(',Plain Handicap', 'UTF8') || '\x0a'::bytea,
	'cp1252.csv');
-- ...or transcoded when asked to.
SET racing.fallback_encoding = 'WIN1252';
SELECT rows_read, rows_stored, rows_updated, rows_duplicate, rows_quarantined
FROM racing.load_rpscrape_data(
	convert_to(E'date,course,off,horse,pos,ran,or,race_name\n2025-06-05,Kempton (AW),7:00,Alpha (GB),1,2,55,', 'UTF8')
	|| '\xa3'::bytea || convert_to(E'5000 Handicap\n', 'UTF8'),
	'cp1252-transcoded.csv');
SELECT race_name FROM racing.race WHERE race_date = '2025-06-05';
RESET racing.fallback_encoding;
SELECT pg_temp.try($$SET racing.fallback_encoding = 'NOPE'$$);
SELECT pg_temp.try($$SET racing.fallback_encoding = 'UTF8'$$);

-- Rows that do not parse or are out of range, and races that contradict
-- themselves: each quarantined with rule, column and message.
SELECT rows_read, rows_stored, rows_quarantined
FROM racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran,lbs,age,dist,type
2025-06-06,Kempton (AW),7:00,Alpha (GB),1,3,130,4,1m,Flat
2025-06-06,Kempton (AW),7:00,Beta (GB),2,3,1300,4,1m,Flat
2025-06-06,Kempton (AW),7:00,Gamma (GB),3,3,130,0,1m,Flat
2025-06-06,Kempton (AW),7:30,Delta (GB),1,3,130,4,1x,Flat
2025-06-06,Kempton (AW),7:30,Epsilon (GB),first,3,130,4,1m,Flat
2025-06-06,Kempton (AW),7:30,Zeta (GB),1,3,130,4,1m,Flat
2025-06-06,Kempton (AW),8:00,Eta (GB),1,3,130,4,1m,Flat
2025-06-06,Kempton (AW),8:00,Theta (GB),1,3,130,4,1m,Flat
2025-06-06,Kempton (AW),8:00,Iota (GB),2,3,130,4,1m,Flat
2025-06-06,Kempton (AW),8:30,Kappa (GB),1,2,130,4,1m,Flat
2025-06-06,Kempton (AW),8:30,Lambda (GB),2,2,130,4,1m,Hurdle
2099-01-01,Kempton (AW),8:30,Mu (GB),1,2,130,4,1m,Flat
2025-13-01,Kempton (AW),8:30,Nu (GB),1,2,130,4,1m,Flat
', 'UTF8'), 'bad-rows.csv');
SELECT line_no, rule, column_name, message, raw->>'horse' AS horse
FROM racing.quarantine WHERE source = 'bad-rows.csv' ORDER BY line_no;

-- The quarantine keeps every row of every batch that did not reach the
-- results, and every batch adds up.
SELECT source, rows_read, rows_stored, rows_quarantined,
	   (SELECT count(*) FROM racing.quarantine q WHERE q.batch_id = b.batch_id) AS in_quarantine,
	   rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined AS accounted
FROM racing.batch b ORDER BY batch_id;

-- Strict mode turns a low quality score into an error.
SET racing.quality_strict = on;
SELECT pg_temp.try($q$SELECT racing.load_rpscrape_data(convert_to(
'date,course,off,horse,pos,ran,lbs
2025-06-07,Kempton (AW),7:00,Alpha (GB),1,2,999
', 'UTF8'), 'strict.csv')$q$);
RESET racing.quality_strict;
SELECT count(*) FROM racing.batch WHERE source = 'strict.csv';

-- Direct writes meet the same rules through the C trigger.
SELECT pg_temp.try($$INSERT INTO racing.runner (race_id, horse_id, lbs)
SELECT race_id, horse_id, 1400 FROM racing.runner LIMIT 1$$);

-- The quarantine shows each bad row's raw fields, as read.
SELECT line_no, raw FROM racing.quarantine WHERE source = 'cp1252.csv';

-- A role without superuser rights loads from the client: psql's \copy
-- into racing.inbox, then racing.load_inbox().
\getenv abs_srcdir PG_ABS_SRCDIR
\set sample :abs_srcdir '/test/data/rpscrape_sample.csv'
CREATE ROLE racing_test_analyst;
GRANT EXECUTE ON FUNCTION racing.load_inbox(text, text, text) TO racing_test_analyst;
SET ROLE racing_test_analyst;
SELECT pg_temp.try($$SELECT racing.load_rpscrape('/etc/passwd')$$);
\set copy_sample '\\copy racing.inbox(line) FROM ' :'sample' ' WITH (FORMAT csv, DELIMITER E''\\x1f'', QUOTE E''\\x1e'')'
:copy_sample
SELECT rows_read, rows_stored, rows_quarantined FROM racing.load_inbox('rpscrape', 'analyst.csv');
SELECT pg_temp.try($$SELECT racing.load_inbox('rpscrape')$$);
SELECT pg_temp.try($$SELECT count(*) FROM racing.inbox$$);
RESET ROLE;
SELECT count(*) AS left_in_inbox FROM racing.inbox;
SELECT source, rows_read, rows_stored FROM racing.batch WHERE source = 'analyst.csv';
DROP OWNED BY racing_test_analyst;
DROP ROLE racing_test_analyst;
