-- JSON feeds: rpscrape race cards and NASCAR public feeds (src/feeds.c) ----

CREATE TABLE racing.nascar_live_state (
	race_id			bigint NOT NULL REFERENCES racing.nascar_race ON DELETE CASCADE,
	car				text NOT NULL,
	driver			text NOT NULL,
	running_position int,
	laps_completed	int,
	laps_led		int,
	status			int,
	lap_number		int,
	flag_state		int,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (race_id, car)
);
COMMENT ON TABLE racing.nascar_live_state IS
'Running state of each car of a NASCAR race under way, from the latest live feed loaded; car numbers are text (''00'' is not ''0'').';

CREATE TABLE racing.nascar_session (
	race_id			bigint NOT NULL REFERENCES racing.nascar_race ON DELETE CASCADE,
	event_name		text NOT NULL,
	run_type		int CHECK (run_type BETWEEN 1 AND 3),
	start_time		timestamp,
	end_time		timestamp,
	start_time_utc	timestamptz,
	end_time_utc	timestamptz,
	batch_id		bigint,
	PRIMARY KEY (race_id, event_name)
);
COMMENT ON TABLE racing.nascar_session IS
'Sessions of a NASCAR race weekend (practice, qualifying, race) from a schedule feed: local start and end times at the track and in UTC; NULL where the feed gives the sentinel 0001-01-01.';

-- store one session; says stored, updated or duplicate
CREATE FUNCTION racing._upsert_nascar_session(
	race_id bigint, event_name text, run_type int, start_time timestamp,
	end_time timestamp, start_time_utc timestamptz, end_time_utc timestamptz,
	batch_id bigint)
RETURNS text LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
	inserted boolean;
BEGIN
	INSERT INTO racing.nascar_session AS s (race_id, event_name, run_type,
		start_time, end_time, start_time_utc, end_time_utc, batch_id)
	VALUES (race_id, event_name, run_type, start_time, end_time,
		start_time_utc, end_time_utc, batch_id)
	ON CONFLICT ON CONSTRAINT nascar_session_pkey DO UPDATE SET
		run_type = excluded.run_type,
		start_time = excluded.start_time,
		end_time = excluded.end_time,
		start_time_utc = excluded.start_time_utc,
		end_time_utc = excluded.end_time_utc,
		batch_id = excluded.batch_id
	WHERE (s.run_type, s.start_time, s.end_time, s.start_time_utc, s.end_time_utc)
		IS DISTINCT FROM
		  (excluded.run_type, excluded.start_time, excluded.end_time,
		   excluded.start_time_utc, excluded.end_time_utc)
	RETURNING (s.xmax = 0) INTO inserted;
	RETURN CASE WHEN inserted IS NULL THEN 'duplicate'
				WHEN inserted THEN 'stored' ELSE 'updated' END;
END
$$;
COMMENT ON FUNCTION racing._upsert_nascar_session(bigint, text, int, timestamp, timestamp, timestamptz, timestamptz, bigint) IS
'Internal: store one session of a NASCAR schedule feed and say whether it was stored, updated or a duplicate.';

CREATE FUNCTION racing.load_racecards(path text)
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_racecards_file' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.load_racecards(text) IS
'Load an rpscrape race card JSON file (v1 or v2) from the server''s file system as declared runners; needs the privileges of pg_read_server_files.';

CREATE FUNCTION racing.load_racecards_data(data text, source text DEFAULT 'client')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_racecards_data' LANGUAGE C VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION racing.load_racecards_data(text, text) IS
'Load rpscrape race card JSON sent by the client; source names it in reports and the quarantine.';

CREATE FUNCTION racing.load_nascar_feed(path text)
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_nascar_feed_file' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION racing.load_nascar_feed(text) IS
'Load a NASCAR weekend feed, live feed, race list, schedule feed or derived entry list (JSON) from the server''s file system; needs the privileges of pg_read_server_files.';

CREATE FUNCTION racing.load_nascar_feed_data(data text, source text DEFAULT 'client')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_nascar_feed_data' LANGUAGE C VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION racing.load_nascar_feed_data(text, text) IS
'Load a NASCAR weekend feed, live feed, race list, schedule feed or derived entry list (JSON) sent by the client.';

REVOKE EXECUTE ON FUNCTION racing.load_racecards_data(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION racing.load_nascar_feed_data(text, text) FROM PUBLIC;
