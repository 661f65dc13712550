--
-- 20_load.sql
--	  The load path: helper functions that resolve names to ids and
--	  upsert races, history and validation triggers, the load functions
--	  for server-side files and for client-sent bytes, the client inbox
--	  for psql \copy, and the views over batches.
--

-- The relation COPY parses against.  The loaders only ask COPY for raw
-- fields, so its single column is never filled.
CREATE TABLE racing._copy_target (line text);
COMMENT ON TABLE racing._copy_target IS
'Internal: the relation the CSV loaders open COPY FROM against; always empty.';

-- Name resolution ------------------------------------------------------

CREATE FUNCTION racing.canonical_course(alias text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT btrim(regexp_replace(alias, '(\s*\([A-Za-z]{2,4}\))+\s*$', '')) $$;
COMMENT ON FUNCTION racing.canonical_course(text) IS
'Course name without its (IRE), (AW), (FR)... suffixes: ''Lingfield (AW)'' gives ''Lingfield''.';

CREATE FUNCTION racing._course_id(alias text, region text)
RETURNS int LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	id int;
BEGIN
	SELECT a.course_id INTO id FROM racing.course_alias a WHERE a.alias = _course_id.alias;
	IF FOUND THEN
		RETURN id;
	END IF;
	INSERT INTO racing.course (name, region)
	VALUES (racing.canonical_course(alias), region)
	ON CONFLICT (name) DO NOTHING;
	SELECT c.course_id INTO id FROM racing.course c
	WHERE c.name = racing.canonical_course(alias);
	INSERT INTO racing.course_alias (alias, course_id, surface)
	VALUES (alias, id, CASE WHEN alias ~ '\(AW\)' THEN 'AW' END)
	ON CONFLICT DO NOTHING;
	RETURN id;
END
$$;

CREATE FUNCTION racing._horse_id(name text, sex text, sire text, dam text,
								 damsire text, rp_id bigint)
RETURNS bigint LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	id bigint;
BEGIN
	INSERT INTO racing.horse AS h (name, country, sex, sire, dam, damsire, rp_horse_id)
	VALUES (name, substring(name from '\(([A-Z]{2,3})\)\s*$'), sex, sire, dam,
			damsire, rp_id)
	ON CONFLICT (name) DO UPDATE
		SET sex = coalesce(h.sex, excluded.sex),
			sire = coalesce(h.sire, excluded.sire),
			dam = coalesce(h.dam, excluded.dam),
			damsire = coalesce(h.damsire, excluded.damsire),
			rp_horse_id = coalesce(h.rp_horse_id, excluded.rp_horse_id)
		WHERE (h.sex, h.sire, h.dam, h.damsire, h.rp_horse_id) IS DISTINCT FROM
			(coalesce(h.sex, excluded.sex), coalesce(h.sire, excluded.sire),
			 coalesce(h.dam, excluded.dam), coalesce(h.damsire, excluded.damsire),
			 coalesce(h.rp_horse_id, excluded.rp_horse_id))
	RETURNING horse_id INTO id;
	IF id IS NULL THEN
		SELECT h.horse_id INTO id FROM racing.horse h WHERE h.name = _horse_id.name;
	END IF;
	RETURN id;
END
$$;

-- People and teams: one function for the four tables.  The loaders add
-- new names in bulk (one statement per table and flush); this is their
-- fallback for a name another session added meanwhile.
CREATE FUNCTION racing._person_id(kind text, name text, ext_id bigint)
RETURNS bigint LANGUAGE plpgsql AS
$$
DECLARE
	id bigint;
	ext_col text := CASE kind WHEN 'jockey' THEN 'rp_jockey_id'
							  WHEN 'trainer' THEN 'rp_trainer_id'
							  WHEN 'driver' THEN 'nascar_driver_id' END;
BEGIN
	IF kind NOT IN ('jockey', 'trainer', 'driver', 'team') THEN
		RAISE EXCEPTION 'unknown kind of person "%"', kind
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	EXECUTE format('SELECT %1$I_id FROM racing.%1$I WHERE name = $1', kind)
		INTO id USING name;
	IF id IS NULL THEN
		EXECUTE format('INSERT INTO racing.%1$I (name) VALUES ($1)'
					   ' ON CONFLICT (name) DO NOTHING', kind) USING name;
		EXECUTE format('SELECT %1$I_id FROM racing.%1$I WHERE name = $1', kind)
			INTO id USING name;
	END IF;
	IF ext_id IS NOT NULL AND ext_col IS NOT NULL THEN
		EXECUTE format('UPDATE racing.%1$I SET %2$I = $2 WHERE %1$I_id = $1 AND %2$I IS NULL',
					   kind, ext_col) USING id, ext_id;
	END IF;
	RETURN id;
END
$$;

-- Tracks: renamed tracks keep one canonical row.
-- a name compared without case, spaces or punctuation
CREATE FUNCTION racing._name_key(str text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT regexp_replace(lower(str), '[^a-z0-9]', '', 'g') $$;
COMMENT ON FUNCTION racing._name_key(text) IS
'Internal: a track or race name without case, spaces or punctuation, for matching names that two sources spell differently.';

CREATE FUNCTION racing._track_id(alias text, length_miles double precision,
								 surface text)
RETURNS bigint LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	id int;
BEGIN
	SELECT a.track_id INTO id FROM racing.track_alias a WHERE a.alias = _track_id.alias;
	IF FOUND THEN
		RETURN id;
	END IF;
	-- the same name in other case or punctuation ("Circuit of The
	-- Americas", "Circuit of the Americas") is the same track
	SELECT a.track_id INTO id FROM racing.track_alias a
	WHERE racing._name_key(a.alias) = racing._name_key(_track_id.alias)
	ORDER BY a.track_id LIMIT 1;
	IF FOUND THEN
		INSERT INTO racing.track_alias (alias, track_id) VALUES (alias, id)
		ON CONFLICT DO NOTHING;
		RETURN id;
	END IF;
	INSERT INTO racing.track (name, length_miles, surface)
	VALUES (alias, length_miles, surface)
	ON CONFLICT (name) DO NOTHING;
	SELECT t.track_id INTO id FROM racing.track t WHERE t.name = alias;
	INSERT INTO racing.track_alias (alias, track_id) VALUES (alias, id)
	ON CONFLICT DO NOTHING;
	RETURN id;
END
$$;

-- Tracks renamed over the years, with the name used as canonical.
INSERT INTO racing.track (name, length_miles, surface) VALUES
	('Auto Club Speedway', 2.0, 'paved'),
	('World Wide Technology Raceway at Gateway', 1.25, 'paved'),
	('Dover Motor Speedway', 1.0, 'paved'),
	('Charlotte Motor Speedway', 1.5, 'paved'),
	('EchoPark Speedway', 1.54, 'paved');
INSERT INTO racing.track_alias (alias, track_id)
SELECT a.alias, t.track_id
FROM (VALUES
	('Auto Club Speedway', 'Auto Club Speedway'),
	('California Speedway', 'Auto Club Speedway'),
	('World Wide Technology Raceway at Gateway', 'World Wide Technology Raceway at Gateway'),
	('World Wide Technology Raceway', 'World Wide Technology Raceway at Gateway'),
	('Gateway International Raceway', 'World Wide Technology Raceway at Gateway'),
	('Dover Motor Speedway', 'Dover Motor Speedway'),
	('Dover International Speedway', 'Dover Motor Speedway'),
	('Dover Downs International Speedway', 'Dover Motor Speedway'),
	('Charlotte Motor Speedway', 'Charlotte Motor Speedway'),
	('Lowe''s Motor Speedway', 'Charlotte Motor Speedway'),
	('EchoPark Speedway', 'EchoPark Speedway'),
	('Atlanta Motor Speedway', 'EchoPark Speedway')
) AS a(alias, canonical)
JOIN racing.track t ON t.name = a.canonical;

-- Race upserts: never turn a result back into a declaration.
CREATE FUNCTION racing._upsert_race(
	course_id int, race_date date, off_time time, region text, race_name text,
	race_type text, race_class text, pattern text, rating_band text,
	age_band text, sex_rest text, dist_text text, dist_yards int,
	dist_f real, dist_m int, going text, going_group text, surface text,
	ran int, status text, rp_race_id bigint, batch_id bigint)
RETURNS bigint LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	id bigint;
BEGIN
	INSERT INTO racing.race AS r (race_date, course_id, off_time, region,
		race_name, race_type, race_class, pattern, rating_band, age_band,
		sex_rest, dist_text, dist_yards, dist_f, dist_m, going, going_group,
		surface, ran, status, rp_race_id, batch_id)
	VALUES (race_date, course_id, off_time, region, race_name, race_type,
		race_class, pattern, rating_band, age_band, sex_rest, dist_text,
		dist_yards, dist_f, dist_m, going, going_group, surface, ran, status,
		rp_race_id, batch_id)
	ON CONFLICT ON CONSTRAINT race_race_date_course_id_off_time_key DO UPDATE SET
		region = coalesce(excluded.region, r.region),
		race_name = coalesce(excluded.race_name, r.race_name),
		race_type = coalesce(excluded.race_type, r.race_type),
		race_class = coalesce(excluded.race_class, r.race_class),
		pattern = coalesce(excluded.pattern, r.pattern),
		rating_band = coalesce(excluded.rating_band, r.rating_band),
		age_band = coalesce(excluded.age_band, r.age_band),
		sex_rest = coalesce(excluded.sex_rest, r.sex_rest),
		dist_text = coalesce(excluded.dist_text, r.dist_text),
		dist_yards = coalesce(excluded.dist_yards, r.dist_yards),
		dist_f = coalesce(excluded.dist_f, r.dist_f),
		dist_m = coalesce(excluded.dist_m, r.dist_m),
		going = coalesce(excluded.going, r.going),
		going_group = coalesce(excluded.going_group, r.going_group),
		surface = coalesce(excluded.surface, r.surface),
		ran = coalesce(excluded.ran, r.ran),
		status = CASE WHEN r.status = 'result' OR (r.status = 'running' AND excluded.status = 'scheduled')
			THEN r.status ELSE excluded.status END,
		rp_race_id = coalesce(excluded.rp_race_id, r.rp_race_id),
		batch_id = excluded.batch_id
	WHERE (r.region, r.race_name, r.race_type, r.race_class, r.pattern,
		   r.rating_band, r.age_band, r.sex_rest, r.dist_text, r.dist_yards,
		   r.dist_f, r.dist_m, r.going, r.going_group, r.surface, r.ran,
		   r.status, r.rp_race_id)
		IS DISTINCT FROM
		  (coalesce(excluded.region, r.region), coalesce(excluded.race_name, r.race_name),
		   coalesce(excluded.race_type, r.race_type), coalesce(excluded.race_class, r.race_class),
		   coalesce(excluded.pattern, r.pattern), coalesce(excluded.rating_band, r.rating_band),
		   coalesce(excluded.age_band, r.age_band), coalesce(excluded.sex_rest, r.sex_rest),
		   coalesce(excluded.dist_text, r.dist_text), coalesce(excluded.dist_yards, r.dist_yards),
		   coalesce(excluded.dist_f, r.dist_f), coalesce(excluded.dist_m, r.dist_m),
		   coalesce(excluded.going, r.going), coalesce(excluded.going_group, r.going_group),
		   coalesce(excluded.surface, r.surface), coalesce(excluded.ran, r.ran),
		   CASE WHEN r.status = 'result' OR (r.status = 'running' AND excluded.status = 'scheduled')
			THEN r.status ELSE excluded.status END,
		   coalesce(excluded.rp_race_id, r.rp_race_id))
	RETURNING r.race_id INTO id;
	IF id IS NULL THEN
		SELECT r.race_id INTO id FROM racing.race r
		WHERE r.race_date = _upsert_race.race_date
		  AND r.course_id = _upsert_race.course_id
		  AND r.off_time = _upsert_race.off_time;
	END IF;
	RETURN id;
END
$$;

CREATE FUNCTION racing._upsert_nascar_race(
	track_id int, track_alias text, series text, season int, race_num int, race_name text,
	length_miles real, surface text, race_date date, status text,
	nascar_race_id bigint, batch_id bigint)
RETURNS bigint LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	id bigint;
	ttype text;
BEGIN
	-- the type depends on the name raced under (Atlanta was reprofiled
	-- in 2022 and renamed in 2025)
	ttype := racing.track_type(track_alias, season, length_miles, surface);
	INSERT INTO racing.nascar_race AS r (series, season, race_num, track_id,
		race_name, length_miles, surface, track_type, race_date, status,
		nascar_race_id, batch_id)
	VALUES (series, season, race_num, track_id, race_name, length_miles,
		surface, ttype, race_date, status, nascar_race_id, batch_id)
	ON CONFLICT (series, season, race_num) DO UPDATE SET
		track_id = excluded.track_id,
		race_name = coalesce(excluded.race_name, r.race_name),
		length_miles = coalesce(excluded.length_miles, r.length_miles),
		surface = coalesce(excluded.surface, r.surface),
		track_type = coalesce(excluded.track_type, r.track_type),
		race_date = coalesce(excluded.race_date, r.race_date),
		status = CASE WHEN r.status = 'result' OR (r.status = 'running' AND excluded.status = 'scheduled')
			THEN r.status ELSE excluded.status END,
		nascar_race_id = coalesce(excluded.nascar_race_id, r.nascar_race_id),
		batch_id = excluded.batch_id
	WHERE (r.track_id, r.race_name, r.length_miles, r.surface, r.track_type,
		   r.race_date, r.status, r.nascar_race_id)
		IS DISTINCT FROM
		  (excluded.track_id, coalesce(excluded.race_name, r.race_name),
		   coalesce(excluded.length_miles, r.length_miles),
		   coalesce(excluded.surface, r.surface),
		   coalesce(excluded.track_type, r.track_type),
		   coalesce(excluded.race_date, r.race_date),
		   CASE WHEN r.status = 'result' OR (r.status = 'running' AND excluded.status = 'scheduled')
			THEN r.status ELSE excluded.status END,
		   coalesce(excluded.nascar_race_id, r.nascar_race_id))
	RETURNING r.race_id INTO id;
	IF id IS NULL THEN
		SELECT r.race_id INTO id FROM racing.nascar_race r
		WHERE (r.series, r.season, r.race_num) =
			  (_upsert_nascar_race.series, _upsert_nascar_race.season,
			   _upsert_nascar_race.race_num);
	END IF;
	RETURN id;
END
$$;

-- History and validation triggers ----------------------------------------

CREATE FUNCTION racing._keep_history()
RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
	IF TG_TABLE_NAME = 'runner' THEN
		INSERT INTO racing.runner_history (runner_id, replaced_by_batch, old_row)
		VALUES (OLD.runner_id,
				CASE WHEN NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN NEW.batch_id END,
				to_jsonb(OLD));
	ELSE
		INSERT INTO racing.nascar_entry_history (entry_id, replaced_by_batch, old_row)
		VALUES (OLD.entry_id,
				CASE WHEN NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN NEW.batch_id END,
				to_jsonb(OLD));
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER runner_history BEFORE UPDATE ON racing.runner
	FOR EACH ROW EXECUTE FUNCTION racing._keep_history();
CREATE TRIGGER nascar_entry_history BEFORE UPDATE ON racing.nascar_entry
	FOR EACH ROW EXECUTE FUNCTION racing._keep_history();

CREATE FUNCTION racing.runner_validate()
RETURNS trigger AS 'MODULE_PATHNAME', 'runner_validate' LANGUAGE C;
CREATE FUNCTION racing.nascar_entry_validate()
RETURNS trigger AS 'MODULE_PATHNAME', 'nascar_entry_validate' LANGUAGE C;
COMMENT ON FUNCTION racing.runner_validate() IS
'BEFORE INSERT OR UPDATE trigger: the loaders'' range checks for runners written by hand (SQLSTATE 23514 when a value is out of range).';
COMMENT ON FUNCTION racing.nascar_entry_validate() IS
'BEFORE INSERT OR UPDATE trigger: the loaders'' range checks for NASCAR entries written by hand (SQLSTATE 23514).';

CREATE TRIGGER runner_validate BEFORE INSERT OR UPDATE ON racing.runner
	FOR EACH ROW EXECUTE FUNCTION racing.runner_validate();

CREATE FUNCTION racing.race_order_check()
RETURNS trigger AS 'MODULE_PATHNAME', 'race_order_check' LANGUAGE C;
COMMENT ON FUNCTION racing.race_order_check() IS
'AFTER statement trigger: races touched by a direct write must keep a possible finishing order (dead heats leave the next positions free; NASCAR finishes unique, one winner).  SQLSTATE 23514.';
CREATE TRIGGER runner_order_ins AFTER INSERT ON racing.runner
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION racing.race_order_check('horse');
CREATE TRIGGER runner_order_upd AFTER UPDATE ON racing.runner
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION racing.race_order_check('horse');
CREATE TRIGGER nascar_entry_order_ins AFTER INSERT ON racing.nascar_entry
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION racing.race_order_check('nascar');
CREATE TRIGGER nascar_entry_order_upd AFTER UPDATE ON racing.nascar_entry
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION racing.race_order_check('nascar');
CREATE TRIGGER nascar_entry_validate BEFORE INSERT OR UPDATE ON racing.nascar_entry
	FOR EACH ROW EXECUTE FUNCTION racing.nascar_entry_validate();

-- Batches and their quality -----------------------------------------------

CREATE VIEW racing.batch_quality AS
SELECT q.*,
	   (q.completeness + q.validity + q.consistency) / 3 AS quality_score
FROM (
	SELECT b.batch_id, b.sport, b.source, b.started_at,
		   CASE WHEN b.fields_expected > 0
				THEN b.fields_filled::float8 / b.fields_expected ELSE 1 END AS completeness,
		   CASE WHEN b.rows_read > 0
				THEN 1 - b.rows_quarantined::float8 / b.rows_read ELSE 1 END AS validity,
		   CASE WHEN b.races_checked > 0
				THEN b.races_consistent::float8 / b.races_checked ELSE 1 END AS consistency,
		   CASE WHEN b.rows_stored > 0
				THEN 1 - b.rows_late::float8 / b.rows_stored ELSE 1 END AS timeliness
	FROM racing.batch b) q;
COMMENT ON VIEW racing.batch_quality IS
'Data quality of each batch as shares from 0 to 1: completeness (filled values among recognised columns), validity (rows not quarantined), consistency (races whose rows agree), timeliness (stored rows that are not late-arriving history: races older than the newest result stored before the batch).  quality_score is the mean of completeness, validity and consistency, the shares that describe the input itself; timeliness describes the order of arrival, which a deliberate backfill makes low, so it is reported but not scored.';

CREATE VIEW racing.load_report AS
SELECT b.batch_id, b.sport, b.format, b.source, b.rows_read, b.rows_stored,
	   b.rows_updated, b.rows_duplicate, b.rows_quarantined,
	   round(q.quality_score::numeric, 4) AS quality_score,
	   b.status, b.started_at, b.finished_at
FROM racing.batch b JOIN racing.batch_quality q USING (batch_id);
COMMENT ON VIEW racing.load_report IS
'One row per batch, as the load functions return it.';

CREATE VIEW racing.load_progress AS
SELECT p.pid, a.query_start, p.bytes_processed, p.bytes_total,
	   p.tuples_processed AS rows_written, p.tuples_excluded AS rows_quarantined,
	   CASE WHEN p.bytes_total > 0
			THEN round(100.0 * p.bytes_processed / p.bytes_total, 1) END AS percent_done
FROM pg_stat_progress_copy p
JOIN pg_stat_activity a USING (pid)
WHERE p.relid = 'racing._copy_target'::regclass;
COMMENT ON VIEW racing.load_progress IS
'Loads under way in any session: bytes read of the file and rows written so far.';

-- Load functions ------------------------------------------------------------

CREATE FUNCTION racing.load_rpscrape(path text)
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_rpscrape_file' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.load_rpscrape(text) IS
'Load an rpscrape results CSV file from the server''s file system; returns the batch report.  Needs the privileges of pg_read_server_files.';

CREATE FUNCTION racing.load_rpscrape_data(data bytea, source text DEFAULT 'client')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_rpscrape_data' LANGUAGE C VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION racing.load_rpscrape_data(bytea, text) IS
'Load rpscrape results CSV sent by the client as bytes; source names it in reports and the quarantine.';

CREATE FUNCTION racing.load_nascar(path text, series text DEFAULT 'cup')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_nascar_file' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.load_nascar(text, text) IS
'Load a nascaR.data results CSV file from the server''s file system into the given series (cup, xfinity, truck); returns the batch report.';

CREATE FUNCTION racing.load_nascar_data(data bytea, source text DEFAULT 'client',
										series text DEFAULT 'cup')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_nascar_data' LANGUAGE C VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION racing.load_nascar_data(bytea, text, text) IS
'Load nascaR.data results CSV sent by the client as bytes.';

-- Loading from a client needs no superuser: the owner grants EXECUTE on
-- these two (and load_inbox) to the roles that may load.
REVOKE EXECUTE ON FUNCTION racing.load_rpscrape_data(bytea, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION racing.load_nascar_data(bytea, text, text) FROM PUBLIC;

-- Client loads with psql \copy ---------------------------------------------

CREATE TABLE racing.inbox (
	owner		name NOT NULL DEFAULT session_user,
	pid			int NOT NULL DEFAULT pg_backend_pid(),
	line_no		bigserial,
	line		text,
	PRIMARY KEY (owner, line_no)
);
COMMENT ON TABLE racing.inbox IS
'Lines of a file sent with psql \copy, waiting for racing.load_inbox(); a trigger stamps each line with the session user and backend, and only racing.load_inbox() in the same session reads and removes them.';
GRANT INSERT (line) ON racing.inbox TO PUBLIC;
GRANT USAGE ON SEQUENCE racing.inbox_line_no_seq TO PUBLIC;

CREATE FUNCTION racing._inbox_owner()
RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
	NEW.owner := session_user;
	NEW.pid := pg_backend_pid();
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION racing._inbox_owner() IS
'Trigger: stamps a racing.inbox line with the session user and backend, so nobody fills another role''s inbox and two sessions of one role do not mix their files.';
CREATE TRIGGER inbox_owner BEFORE INSERT ON racing.inbox
	FOR EACH ROW EXECUTE FUNCTION racing._inbox_owner();

CREATE FUNCTION racing.load_inbox(format text, source text DEFAULT 'inbox',
								  series text DEFAULT 'cup')
RETURNS racing.load_report
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	data bytea;
	report racing.load_report;
BEGIN
	IF format IS NULL OR source IS NULL OR series IS NULL THEN
		RAISE EXCEPTION 'format, source and series must not be null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Call racing.load_inbox(''rpscrape'') or racing.load_inbox(''nascar'', ''file.csv'', ''cup'').';
	END IF;
	format := lower(format);
	IF format NOT IN ('rpscrape', 'nascar') THEN
		RAISE EXCEPTION 'unknown format "%"', format
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use rpscrape or nascar.';
	END IF;
	-- lines a session of this role sent and never loaded before it ended
	DELETE FROM racing.inbox i WHERE i.owner = session_user
	  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = i.pid);
	SELECT convert_to(string_agg(coalesce(line, ''), E'\n' ORDER BY line_no) || E'\n', 'UTF8')
	INTO data
	FROM racing.inbox WHERE owner = session_user AND pid = pg_backend_pid();
	IF data IS NULL THEN
		RAISE EXCEPTION 'racing.inbox holds no lines of this session of role %', session_user
			USING ERRCODE = 'no_data_found',
				  HINT = 'Send the file first: \copy racing.inbox(line) FROM ''file.csv'' WITH (FORMAT csv, DELIMITER E''\x1f'', QUOTE E''\x1e'')';
	END IF;
	IF format = 'rpscrape' THEN
		report := racing.load_rpscrape_data(data, source);
	ELSE
		report := racing.load_nascar_data(data, source, series);
	END IF;
	DELETE FROM racing.inbox WHERE owner = session_user AND pid = pg_backend_pid();
	RETURN report;
END
$$;
REVOKE EXECUTE ON FUNCTION racing.load_inbox(text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION racing.load_inbox(text, text, text) IS
'Load the lines this session sent into racing.inbox with psql \copy (format rpscrape or nascar), then empty its part of the inbox.';

-- Comments on the internal helpers ----------------------------------------

COMMENT ON FUNCTION racing._course_id(text, text) IS
'Internal: the course id of a course name as written, adding the course and the alias when new.';
COMMENT ON FUNCTION racing._horse_id(text, text, text, text, text, bigint) IS
'Internal: the horse id of a name, adding the horse when new and filling pedigree fields it lacked.';
COMMENT ON FUNCTION racing._person_id(text, text, bigint) IS
'Internal: the id of a jockey, trainer, driver or team (kind) by name, added when new; the external id is kept when given.';
COMMENT ON FUNCTION racing._track_id(text, double precision, text) IS
'Internal: the track id of a track name as written (through racing.track_alias, or a known name in other case or punctuation, which becomes an alias), adding the track when new.';
COMMENT ON FUNCTION racing._upsert_race(int, date, time, text, text, text, text, text, text, text, text, text, int, real, int, text, text, text, int, text, bigint, bigint) IS
'Internal: insert or complete a horse race by its natural key; a result never turns back into a declaration.';
COMMENT ON FUNCTION racing._upsert_nascar_race(int, text, text, int, int, text, real, text, date, text, bigint, bigint) IS
'Internal: insert or complete a NASCAR race by (series, season, race_num).';
COMMENT ON FUNCTION racing._keep_history() IS
'Trigger: keeps the old version of a corrected runner or NASCAR entry in its history table.';
