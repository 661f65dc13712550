/*-------------------------------------------------------------------------
 *
 * notation_sql.c
 *	  SQL-callable wrappers of the notation parsers of notation.c.
 *
 * Each function here converts its text argument to a C string, calls one
 * parser and maps the outcome onto SQL:
 *
 *	NOTATION_OK			the parsed value, as int, numeric, real, time or
 *						a composite for the functions with OUT parameters
 *	NOTATION_MISSING	SQL NULL
 *	NOTATION_INVALID	an error with SQLSTATE 22P02
 *						(invalid_text_representation), the offending text
 *						in the message and the accepted forms in the hint
 *
 * The parsers work in double precision.  Values returned as numeric are
 * rounded to a fixed number of decimals (given at each function) and
 * written without trailing zeros, so 9/4 comes back as 3.25 and 5f as 5.
 *
 * The SQL declarations are in src/sql/10_notation.sql; the notations and
 * their conventions are documented in docs/notation.md.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "notation.h"

PG_FUNCTION_INFO_V1(racing_distance_yards);
PG_FUNCTION_INFO_V1(racing_distance_furlongs);
PG_FUNCTION_INFO_V1(racing_beaten_lengths);
PG_FUNCTION_INFO_V1(racing_parse_position);
PG_FUNCTION_INFO_V1(racing_weight_lbs);
PG_FUNCTION_INFO_V1(racing_race_time_secs);
PG_FUNCTION_INFO_V1(racing_odds_decimal);
PG_FUNCTION_INFO_V1(racing_odds_favourite);
PG_FUNCTION_INFO_V1(racing_off_time_24h);
PG_FUNCTION_INFO_V1(racing_parse_prize);
PG_FUNCTION_INFO_V1(racing_going_group);
PG_FUNCTION_INFO_V1(racing_nascar_status_category);
PG_FUNCTION_INFO_V1(racing_track_type);
PG_FUNCTION_INFO_V1(racing_missing_to_null);
PG_FUNCTION_INFO_V1(racing_int_or_null);

/*
 * Round value to the given number of decimals and return it as numeric,
 * without trailing zeros after the point.  The values reaching here come
 * from the parsers' bounded numbers, so the text always fits.
 */
static Datum
numeric_from_double(double value, int decimals)
{
	char		buf[128];
	int			len;

	len = snprintf(buf, sizeof(buf), "%.*f", decimals, value);
	if (len < 0 || len >= (int) sizeof(buf) || !isfinite(value))
		elog(ERROR, "value %g out of range for a notation result", value);

	if (strchr(buf, '.') != NULL)
	{
		while (len > 0 && buf[len - 1] == '0')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '.')
			buf[--len] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");

	return DirectFunctionCall3(numeric_in,
							   CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/*
 * racing.distance_yards(text) returns int
 *		"1m2½f" -> 2310.
 */
Datum
racing_distance_yards(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			yards;

	switch (notation_parse_distance(s, &yards))
	{
		case NOTATION_OK:
			PG_RETURN_INT32(yards);
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid distance: \"%s\"", s),
			errhint("Write a distance in miles, furlongs and yards such as \"1m2f\", \"2m4f110y\" or \"7f\" with an optional half sign, or in furlongs such as \"10.5f\"."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * racing.distance_furlongs(text) returns numeric
 *		The distance in furlongs (yards / 220), rounded to 2 decimals:
 *		"1m2½f" -> 10.5.
 */
Datum
racing_distance_furlongs(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			yards;

	switch (notation_parse_distance(s, &yards))
	{
		case NOTATION_OK:
			PG_RETURN_DATUM(numeric_from_double(yards / 220.0, 2));
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid distance: \"%s\"", s),
			errhint("Write a distance in miles, furlongs and yards such as \"1m2f\", \"2m4f110y\" or \"7f\" with an optional half sign, or in furlongs such as \"10.5f\"."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * racing.beaten_lengths(text) returns real
 *		"1¾" -> 1.75, "nk" -> 0.3.
 */
Datum
racing_beaten_lengths(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		lengths;

	switch (notation_parse_margin(s, &lengths))
	{
		case NOTATION_OK:
			PG_RETURN_FLOAT4((float4) lengths);
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid beaten margin: \"%s\"", s),
			errhint("Write a margin as lengths such as \".5\", \"1.25\" or \"1 3/4\", with an optional vulgar fraction, or as one of dht, nse, shd, sht-hd, hd, snk, nk, lgnk and dist."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * racing.parse_position(text, OUT position int, OUT finished bool,
 *						  OUT dead_heat bool, OUT code text)
 *		"1=" -> (1, true, true, NULL); "PU" -> (NULL, false, false, 'PU').
 *		position is NULL for a non-finisher and code NULL for a finisher.
 */
Datum
racing_parse_position(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			position;
	bool		finished;
	bool		dead_heat;
	char		code[NOTATION_POSCODE_LEN];
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4];

	switch (notation_parse_position(s, &position, &finished, &dead_heat,
									code))
	{
		case NOTATION_OK:
			break;
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			ereport(ERROR,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid finishing position: \"%s\"", s),
					errhint("Write a position as a number from 1 to 99, a dead heat such as \"1=\" or \"dh1\", or one of the codes PU, F, UR, BD, RO, SU, CO, REF, RR, DSQ, VOI and LFT."));
	}

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(position);
	nulls[0] = !finished;
	values[1] = BoolGetDatum(finished);
	values[2] = BoolGetDatum(dead_heat);
	values[3] = finished ? (Datum) 0 : CStringGetTextDatum(code);
	nulls[3] = finished;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/*
 * racing.weight_lbs(text) returns int
 *		"11-7" -> 161.
 */
Datum
racing_weight_lbs(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			lbs;

	switch (notation_parse_weight(s, &lbs))
	{
		case NOTATION_OK:
			PG_RETURN_INT32(lbs);
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid weight: \"%s\"", s),
			errhint("Write a weight in stones and pounds such as \"11-7\" or \"11st 7lb\", or in pounds such as \"161\"."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * racing.race_time_secs(text) returns numeric
 *		"1:4.85" -> 64.85, rounded to hundredths of a second.
 */
Datum
racing_race_time_secs(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		secs;

	switch (notation_parse_race_time(s, &secs))
	{
		case NOTATION_OK:
			PG_RETURN_DATUM(numeric_from_double(secs, 2));
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid race time: \"%s\"", s),
			errhint("Write a race time in minutes and seconds such as \"1:4.85\" or \"1m 4.85s\", or in seconds such as \"64.85\"."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * Parse odds for the two odds functions, raising the error for invalid
 * odds.  Returns false for missing odds.
 */
static bool
parse_odds_or_error(char *s, double *decimal, char *fav)
{
	switch (notation_parse_odds(s, decimal, fav))
	{
		case NOTATION_OK:
			return true;
		case NOTATION_MISSING:
			return false;
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid odds: \"%s\"", s),
			errhint("Write odds as a fraction such as \"9/4\", as \"Evens\" or as decimal odds above 1 such as \"4.50\", optionally followed by a favourite mark F, J or C."));
	return false;				/* not reached */
}

/*
 * racing.odds_decimal(text) returns numeric
 *		Decimal odds, stake included, rounded to 2 decimals as bookmakers
 *		and rpscrape's dec column do: "9/4F" -> 3.25, "8/11" -> 1.73.
 */
Datum
racing_odds_decimal(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		decimal;
	char		fav;

	if (!parse_odds_or_error(s, &decimal, &fav))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(numeric_from_double(decimal, 2));
}

/*
 * racing.odds_favourite(text) returns text
 *		The favourite mark of a starting price: 'F', 'J' or 'C', NULL when
 *		the price has none or is missing.
 */
Datum
racing_odds_favourite(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		decimal;
	char		fav;
	char		mark[2];

	if (!parse_odds_or_error(s, &decimal, &fav) || fav == '\0')
		PG_RETURN_NULL();
	mark[0] = fav;
	mark[1] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(mark));
}

/*
 * racing.off_time_24h(text, twelve_hour bool DEFAULT true) returns time
 *		"1:05" -> 13:05 on a 12-hour card, 01:05 otherwise.
 */
Datum
racing_off_time_24h(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		twelve_hour = PG_GETARG_BOOL(1);
	int			minutes;

	switch (notation_parse_off_time(s, twelve_hour, &minutes))
	{
		case NOTATION_OK:
			PG_RETURN_TIMEADT((TimeADT) minutes * USECS_PER_MINUTE);
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid off time: \"%s\"", s),
			errhint("Write an off time as hours and two-digit minutes such as \"1:05\", \"13:05\" or \"06:40\", optionally followed by am or pm."));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * racing.parse_prize(text, default_currency text DEFAULT 'GBP',
 *					   OUT amount numeric, OUT currency text)
 *		"€6195" -> (6195, 'EUR'); "8053.52" -> (8053.52, default_currency).
 *		The amount is rounded to 2 decimals.
 */
Datum
racing_parse_prize(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *default_currency = text_to_cstring(PG_GETARG_TEXT_PP(1));
	double		amount;
	char		currency[4];
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			i;

	for (i = 0; default_currency[i] != '\0'; i++)
		if (!((default_currency[i] >= 'A' && default_currency[i] <= 'Z') ||
			  (default_currency[i] >= 'a' && default_currency[i] <= 'z')))
			break;
	if (i != 3 || default_currency[i] != '\0')
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("invalid default currency: \"%s\"", default_currency),
				errhint("Give the default currency as a three-letter ISO 4217 code such as GBP or EUR."));
	for (i = 0; i < 3; i++)
		if (default_currency[i] >= 'a')
			default_currency[i] -= 'a' - 'A';

	switch (notation_parse_prize(s, default_currency, &amount, currency))
	{
		case NOTATION_OK:
			break;
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			ereport(ERROR,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid prize money: \"%s\"", s),
					errhint("Write a prize as an amount such as \"8053.52\" or \"5,234\" with an optional euro, pound or dollar sign or ISO currency code before or after it, such as \"EUR 6195\"."));
	}

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	values[0] = numeric_from_double(amount, 2);
	values[1] = CStringGetTextDatum(currency);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/*
 * racing.going_group(text) returns text
 *		"Good To Firm" -> 'F'; NULL for a missing going.
 */
Datum
racing_going_group(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *group;

	if (notation_is_missing(s))
		PG_RETURN_NULL();
	group = notation_going_group(s);
	if (group == NULL)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("invalid going: \"%s\"", s),
				errhint("Use one of Hard, Firm, Good To Firm, Good, Good To Yielding, Good To Soft, Yielding, Yielding To Soft, Soft, Soft To Heavy, Very Soft, Heavy, Holding, Standard, Standard To Fast, Standard To Slow, Slow, Fast, Muddy and Sloppy, or their Racing Post abbreviations such as \"Gd/Fm\"."));
	PG_RETURN_TEXT_P(cstring_to_text(group));
}

/*
 * racing.nascar_status_category(text) returns text
 *		"accident" -> 'crash'; NULL for a missing status.  Never fails: an
 *		unknown status is 'other'.
 */
Datum
racing_nascar_status_category(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *category = notation_nascar_status_category(s);

	if (category == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(category));
}

/*
 * racing.track_type(track text, season int, length_miles real,
 *					 surface text) returns text
 *		Not strict: older seasons lack the length or surface, and the name
 *		or the surface alone may decide.  A NULL argument counts as
 *		unknown.  Never NULL.
 */
Datum
racing_track_type(PG_FUNCTION_ARGS)
{
	char	   *track = NULL;
	int			season = 0;
	double		length_miles = 0.0;
	char	   *surface = NULL;

	if (!PG_ARGISNULL(0))
		track = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!PG_ARGISNULL(1))
		season = PG_GETARG_INT32(1);
	if (!PG_ARGISNULL(2))
		length_miles = PG_GETARG_FLOAT4(2);
	if (!PG_ARGISNULL(3))
		surface = text_to_cstring(PG_GETARG_TEXT_PP(3));

	PG_RETURN_TEXT_P(cstring_to_text(notation_track_type(track, season,
														 length_miles,
														 surface)));
}

/*
 * racing.missing_to_null(text) returns text
 *		NULL for a missing marker (empty, blanks, "-", en dash, em dash),
 *		the text unchanged otherwise.
 */
Datum
racing_missing_to_null(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	if (notation_is_missing(text_to_cstring(t)))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(t);
}

/*
 * racing.int_or_null(text) returns int
 *		An integer column that may hold a missing marker, such as the
 *		official rating: "–" -> NULL, "85" -> 85.
 */
Datum
racing_int_or_null(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			value;

	switch (notation_parse_int(s, &value))
	{
		case NOTATION_OK:
			PG_RETURN_INT32(value);
		case NOTATION_MISSING:
			PG_RETURN_NULL();
		case NOTATION_INVALID:
			break;
	}
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid integer: \"%s\"", s),
			errhint("Write an integer in decimal digits with an optional sign, or \"-\", an en dash or an em dash for a missing value."));
	PG_RETURN_NULL();			/* not reached */
}
