--
-- 00_schema.sql
--	  Tables of the racing extension: load batches and quarantine,
--	  dimensions (courses, tracks, horses, people, teams) and the two
--	  result models, horse racing (race, runner) and NASCAR (race, entry).
--
-- Natural keys make every load idempotent:
--	  horse race	(race_date, course_id, off_time)  off_time on a 24-hour clock
--	  runner		(race_id, horse_id)
--	  NASCAR race	(series, season, race_num)
--	  NASCAR entry	(race_id, driver_id, car)         car is text: '08' <> '8'
--
-- Columns are split into pre-race (known at declaration) and post-race
-- (the result).  Feature code must never read a post-race column of the
-- entry it computes for.
--

GRANT USAGE ON SCHEMA racing TO PUBLIC;

-- Load batches ----------------------------------------------------------

CREATE TABLE racing.batch (
	batch_id		bigserial PRIMARY KEY,
	sport			text NOT NULL CHECK (sport IN ('horse', 'nascar')),
	format			text NOT NULL,
	source			text NOT NULL,
	loaded_by		name NOT NULL DEFAULT session_user,
	started_at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at		timestamptz,
	status			text NOT NULL DEFAULT 'running'
					CHECK (status IN ('running', 'done', 'failed')),
	rows_read		bigint NOT NULL DEFAULT 0,
	rows_stored		bigint NOT NULL DEFAULT 0,
	rows_updated	bigint NOT NULL DEFAULT 0,
	rows_duplicate	bigint NOT NULL DEFAULT 0,
	rows_quarantined bigint NOT NULL DEFAULT 0,
	fields_expected bigint NOT NULL DEFAULT 0,
	fields_filled	bigint NOT NULL DEFAULT 0,
	races_checked	bigint NOT NULL DEFAULT 0,
	races_consistent bigint NOT NULL DEFAULT 0,
	rows_late		bigint NOT NULL DEFAULT 0,
	CONSTRAINT batch_accounted CHECK (status <> 'done' OR
		rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined)
);
COMMENT ON TABLE racing.batch IS
'One row per load: source, counts (rows_read = rows_stored + rows_updated + rows_duplicate + rows_quarantined) and the inputs of the quality score.';

CREATE TABLE racing.quarantine (
	quarantine_id	bigserial PRIMARY KEY,
	batch_id		bigint NOT NULL REFERENCES racing.batch ON DELETE CASCADE,
	source			text NOT NULL,
	line_no			bigint,
	json_path		text,
	rule			text NOT NULL,
	column_name		text,
	message			text NOT NULL,
	raw				jsonb,
	raw_text		text,
	created_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON racing.quarantine (batch_id);
COMMENT ON TABLE racing.quarantine IS
'Rows that failed validation, with the rule, a readable message and the raw fields (raw: header name to field text; raw_text: the line when it could not be split or was not valid UTF-8, with bad bytes as \\xNN).';

-- Dimensions ------------------------------------------------------------

CREATE TABLE racing.course (
	course_id		serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	region			text
);
COMMENT ON TABLE racing.course IS
'Racecourses under a canonical name without the (IRE)/(AW) suffixes: Lingfield and Lingfield (AW) are one course, the surface is kept on the race.';

CREATE TABLE racing.course_alias (
	alias			text PRIMARY KEY,
	course_id		int NOT NULL REFERENCES racing.course,
	surface			text
);
COMMENT ON TABLE racing.course_alias IS
'Every spelling of a course seen in a source, mapped to its course and, for (AW) names, the all-weather surface.';

CREATE TABLE racing.horse (
	horse_id		bigserial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	country			text,
	sex				text,
	sire			text,
	dam				text,
	damsire			text,
	rp_horse_id		bigint
);
COMMENT ON TABLE racing.horse IS
'Horses by name with country suffix as rpscrape writes it ("See A Stride (IRE)"); rp_horse_id when a race card supplied it.';

CREATE TABLE racing.jockey (
	jockey_id		serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	rp_jockey_id	bigint
);
CREATE TABLE racing.trainer (
	trainer_id		serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	rp_trainer_id	bigint
);
COMMENT ON TABLE racing.jockey IS 'Jockeys by name, claim allowance removed.';
COMMENT ON TABLE racing.trainer IS 'Trainers by name.';

CREATE TABLE racing.track (
	track_id		serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	length_miles	real,
	surface			text
);
COMMENT ON TABLE racing.track IS
'NASCAR tracks under a canonical name; renamed tracks keep one row (see track_alias).';

CREATE TABLE racing.track_alias (
	alias			text PRIMARY KEY,
	track_id		int NOT NULL REFERENCES racing.track
);
COMMENT ON TABLE racing.track_alias IS
'Every name a track was raced under, mapped to its canonical track.';

CREATE TABLE racing.driver (
	driver_id		serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	nascar_driver_id bigint
);
CREATE TABLE racing.team (
	team_id			serial PRIMARY KEY,
	name			text NOT NULL UNIQUE
);
COMMENT ON TABLE racing.driver IS 'NASCAR drivers by name, markers such as (i) or * removed.';
COMMENT ON TABLE racing.team IS 'NASCAR teams by name.';

-- Horse racing ----------------------------------------------------------

CREATE TABLE racing.race (
	race_id			bigserial PRIMARY KEY,
	race_date		date NOT NULL,
	course_id		int NOT NULL REFERENCES racing.course,
	off_time		time NOT NULL,
	region			text,
	race_name		text,
	race_type		text,
	race_class		text,
	pattern			text,
	rating_band		text,
	age_band		text,
	sex_rest		text,
	dist_text		text,
	dist_yards		int,
	dist_f			real,
	dist_m			int,
	going			text,
	going_group		text,
	surface			text,
	ran				int,
	status			text NOT NULL DEFAULT 'result'
					CHECK (status IN ('declared', 'result')),
	rp_race_id		bigint,
	batch_id		bigint,
	UNIQUE (race_date, course_id, off_time)
);
CREATE INDEX ON racing.race (race_date, off_time);
COMMENT ON TABLE racing.race IS
'Horse races, one per (race_date, course_id, off_time) with off_time on a 24-hour clock.  status is declared for a race card and result once results are loaded.';

CREATE TABLE racing.runner (
	runner_id		bigserial PRIMARY KEY,
	race_id			bigint NOT NULL REFERENCES racing.race,
	horse_id		bigint NOT NULL REFERENCES racing.horse,
	-- pre-race
	num				int,
	draw			int,
	age				int,
	sex				text,
	lbs				int,
	headgear		text,
	jockey_id		int REFERENCES racing.jockey,
	claim			int,
	trainer_id		int REFERENCES racing.trainer,
	owner			text,
	official_rating int,
	non_runner		bool NOT NULL DEFAULT false,
	-- at the off
	sp_decimal		real,
	sp_favourite	text,
	-- post-race
	pos_text		text,
	position		int,
	finished		bool,
	dead_heat		bool,
	pos_code		text,
	ovr_btn			real,
	btn				real,
	time_secs		real,
	prize			numeric,
	prize_currency	text,
	rpr				int,
	ts				int,
	comment			text,
	has_result		bool NOT NULL DEFAULT false,
	batch_id		bigint,
	line_no			bigint,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (race_id, horse_id)
);
CREATE INDEX ON racing.runner (horse_id);
CREATE INDEX ON racing.runner (jockey_id);
CREATE INDEX ON racing.runner (trainer_id);
COMMENT ON TABLE racing.runner IS
'One row per horse in a race: pre-race columns (num to non_runner; claim is the jockey''s allowance in lbs, from race cards), the starting price, and the result (pos_text to comment, has_result true once known).';

CREATE TABLE racing.runner_history (
	runner_id		bigint NOT NULL,
	replaced_at		timestamptz NOT NULL DEFAULT now(),
	replaced_by_batch bigint,
	old_row			jsonb NOT NULL
);
CREATE INDEX ON racing.runner_history (runner_id);
COMMENT ON TABLE racing.runner_history IS
'Earlier versions of runner rows that a later load corrected (a disqualification, say): the whole old row as jsonb.';

-- NASCAR ----------------------------------------------------------------

CREATE TABLE racing.nascar_race (
	race_id			bigserial PRIMARY KEY,
	series			text NOT NULL DEFAULT 'cup',
	season			int NOT NULL,
	race_num		int NOT NULL,
	track_id		int NOT NULL REFERENCES racing.track,
	race_name		text,
	length_miles	real,
	surface			text,
	track_type		text,
	race_date		date,
	status			text NOT NULL DEFAULT 'result'
					CHECK (status IN ('scheduled', 'running', 'result')),
	nascar_race_id	bigint,
	batch_id		bigint,
	UNIQUE (series, season, race_num)
);
COMMENT ON TABLE racing.nascar_race IS
'NASCAR races, one per (series, season, race_num); series is cup, xfinity (series 2) or truck (series 3).';

CREATE TABLE racing.nascar_entry (
	entry_id		bigserial PRIMARY KEY,
	race_id			bigint NOT NULL REFERENCES racing.nascar_race,
	driver_id		int NOT NULL REFERENCES racing.driver,
	car				text NOT NULL,
	-- pre-race
	team_id			int REFERENCES racing.team,
	make			text,
	start_pos		int,
	scratched		bool NOT NULL DEFAULT false,
	-- post-race
	finish			int,
	points			int,
	laps			int,
	laps_led		int,
	status			text,
	status_category text,
	stage1			int,
	stage2			int,
	stage3			int,
	rating			real,
	win				bool,
	seg_points		int,
	has_result		bool NOT NULL DEFAULT false,
	batch_id		bigint,
	line_no			bigint,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (race_id, driver_id, car)
);
CREATE INDEX ON racing.nascar_entry (driver_id);
CREATE INDEX ON racing.nascar_entry (team_id);
COMMENT ON TABLE racing.nascar_entry IS
'One row per car and driver in a NASCAR race: pre-race columns (team, make, start_pos) and the result (finish to seg_points, has_result true once known).';

CREATE TABLE racing.nascar_entry_history (
	entry_id		bigint NOT NULL,
	replaced_at		timestamptz NOT NULL DEFAULT now(),
	replaced_by_batch bigint,
	old_row			jsonb NOT NULL
);
CREATE INDEX ON racing.nascar_entry_history (entry_id);
COMMENT ON TABLE racing.nascar_entry_history IS
'Earlier versions of NASCAR entries that a later load corrected.';
