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
'Load a NASCAR weekend feed, live feed or race list (JSON) from the server''s file system; needs the privileges of pg_read_server_files.';

CREATE FUNCTION racing.load_nascar_feed_data(data text, source text DEFAULT 'client')
RETURNS racing.load_report
AS 'MODULE_PATHNAME', 'load_nascar_feed_data' LANGUAGE C VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION racing.load_nascar_feed_data(text, text) IS
'Load a NASCAR weekend feed, live feed or race list (JSON) sent by the client.';

REVOKE EXECUTE ON FUNCTION racing.load_racecards_data(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION racing.load_nascar_feed_data(text, text) FROM PUBLIC;
