--
-- 10_notation.sql
--	  SQL functions over the racing-notation parsers (src/notation.c,
--	  wrappers in src/notation_sql.c).
--
-- Every parser maps a missing marker (empty, blanks, "-", en dash, em
-- dash) to NULL and text that is not in its notation to an error with
-- SQLSTATE 22P02.  All are immutable and parallel safe; all are strict
-- except track_type, whose arguments may each be unknown.  The notations
-- and their conventions are described in docs/notation.md.
--

-- Horse racing ----------------------------------------------------------

CREATE FUNCTION racing.distance_yards(text)
RETURNS int
AS 'MODULE_PATHNAME', 'racing_distance_yards'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.distance_yards(text) IS
'Race distance in yards from "1m2½f", "2m4f110y", "5f" or "10.5f" (1 mile = 1760 yards, 1 furlong = 220 yards).';

CREATE FUNCTION racing.distance_furlongs(text)
RETURNS numeric
AS 'MODULE_PATHNAME', 'racing_distance_furlongs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.distance_furlongs(text) IS
'Race distance in furlongs (yards / 220, 2 decimals) from the same notations as distance_yards: "1m2½f" gives 10.5.';

CREATE FUNCTION racing.beaten_lengths(text)
RETURNS real
AS 'MODULE_PATHNAME', 'racing_beaten_lengths'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.beaten_lengths(text) IS
'Beaten margin in lengths from ".5", "1¾", "1 3/4" or an abbreviation: dht 0, nse 0.05, shd and sht-hd 0.1, hd 0.2, snk 0.25, nk 0.3, lgnk 0.4, dist 30.';

-- "position" is quoted because POSITION is a keyword that a parameter
-- name may not be; as a result column it needs no quotes.
CREATE FUNCTION racing.parse_position(text,
	OUT "position" int, OUT finished bool, OUT dead_heat bool, OUT code text)
RETURNS record
AS 'MODULE_PATHNAME', 'racing_parse_position'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.parse_position(text) IS
'Finishing position: "3" is (3, true, false, NULL), a dead heat "1=" or "dh1" sets dead_heat, and a code PU F UR BD RO SU CO REF RR DSQ VOI LFT gives (NULL, false, false, code).';

CREATE FUNCTION racing.weight_lbs(text)
RETURNS int
AS 'MODULE_PATHNAME', 'racing_weight_lbs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.weight_lbs(text) IS
'Weight carried in pounds from stones-pounds "11-7" (161), "11st 7lb" or plain pounds "161".';

CREATE FUNCTION racing.race_time_secs(text)
RETURNS numeric
AS 'MODULE_PATHNAME', 'racing_race_time_secs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.race_time_secs(text) IS
'Race time in seconds (2 decimals) from "1:4.85" (64.85), "4:05.20", "1m 4.85s" or "64.85".';

CREATE FUNCTION racing.odds_decimal(text)
RETURNS numeric
AS 'MODULE_PATHNAME', 'racing_odds_decimal'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.odds_decimal(text) IS
'Decimal odds, stake included, 2 decimals, from fractional "9/4F" (3.25), "Evens" (2) or decimal "4.50"; "No Odds" and "SP" are NULL.';

CREATE FUNCTION racing.odds_favourite(text)
RETURNS text
AS 'MODULE_PATHNAME', 'racing_odds_favourite'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.odds_favourite(text) IS
'Favourite mark of a starting price: F favourite, J joint, C co-favourite ("9/4F" gives F); NULL when there is none.';

CREATE FUNCTION racing.off_time_24h(text, twelve_hour bool DEFAULT true)
RETURNS time
AS 'MODULE_PATHNAME', 'racing_off_time_24h'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.off_time_24h(text, bool) IS
'Off time on a 24-hour clock.  With twelve_hour (the default, for British and Irish cards without am/pm) hours 1 to 10 are afternoon: "1:05" is 13:05, "11:15" stays; "13:05", "06:40" and "1:05pm" are taken as written.';

CREATE FUNCTION racing.parse_prize(text, default_currency text DEFAULT 'GBP',
	OUT amount numeric, OUT currency text)
RETURNS record
AS 'MODULE_PATHNAME', 'racing_parse_prize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.parse_prize(text, text) IS
'Prize money and its ISO currency from "€6195" (EUR), "£5,234" (GBP), "$1,200", "6195 EUR"; an amount without currency such as "8053.52" takes default_currency.';

CREATE FUNCTION racing.going_group(text)
RETURNS text
AS 'MODULE_PATHNAME', 'racing_going_group'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.going_group(text) IS
'Going group of a going description: F (Hard, Firm, Good To Firm), G (Good, Good To Yielding), GS (Good To Soft, Yielding, Yielding To Soft), S (Soft, Soft To Heavy, Very Soft), H (Heavy, Holding), AW (Standard, Standard To Slow/Fast, Slow), DIRT (Fast, Muddy, Sloppy).';

-- NASCAR ----------------------------------------------------------------

CREATE FUNCTION racing.nascar_status_category(text)
RETURNS text
AS 'MODULE_PATHNAME', 'racing_nascar_status_category'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.nascar_status_category(text) IS
'Category of a NASCAR status: finished (running), crash (accident, DVP), mechanical (engine, suspension, ...), disqualified, did not start, other (parked, fatigue, too slow, anything unknown).';

CREATE FUNCTION racing.track_type(track text, season int, length_miles real,
	surface text)
RETURNS text
AS 'MODULE_PATHNAME', 'racing_track_type'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION racing.track_type(text, int, real, text) IS
'NASCAR track type: road or dirt by surface, superspeedway for Daytona, Talladega and Atlanta from 2022, short for ovals under 1 mile, intermediate otherwise.  Not strict: NULL arguments count as unknown.';

-- Generic columns -------------------------------------------------------

CREATE FUNCTION racing.missing_to_null(text)
RETURNS text
AS 'MODULE_PATHNAME', 'racing_missing_to_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.missing_to_null(text) IS
'NULL for a missing marker (empty, blanks, "-", en dash, em dash), the text unchanged otherwise.';

CREATE FUNCTION racing.int_or_null(text)
RETURNS int
AS 'MODULE_PATHNAME', 'racing_int_or_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION racing.int_or_null(text) IS
'Integer of a column that writes missing values as "-" or an en dash, such as or and rpr; other text that is not an integer is an error.';
