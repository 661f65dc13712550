/*-------------------------------------------------------------------------
 *
 * notation.h
 *	  Parsers for the notations of racing results: distances, beaten
 *	  margins, finishing positions, weights, times, odds, off times,
 *	  prize money, going and NASCAR status vocabularies.
 *
 * Every parser here is pure: it never raises an error and never
 * allocates, so the loaders can call it on untrusted input and decide
 * themselves whether a failure quarantines the row.  Each returns a
 * NotationResult:
 *
 *	NOTATION_OK			the value was parsed into the out parameters
 *	NOTATION_MISSING	the text is a missing marker (empty, "-", en dash,
 *						em dash, or only white space); out parameters are
 *						left untouched
 *	NOTATION_INVALID	the text is not in the notation
 *
 * Input strings are NUL-terminated UTF-8.  Leading and trailing white
 * space (ASCII blanks and U+00A0) is ignored everywhere.  A NULL input
 * counts as missing, and a NULL out pointer is allowed (the value is
 * then dropped).
 *
 * The SQL wrappers (src/sql/10_notation.sql) map MISSING to NULL and
 * INVALID to an error with SQLSTATE 22P02.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RACING_NOTATION_H
#define RACING_NOTATION_H

#include <stdbool.h>

typedef enum NotationResult
{
	NOTATION_OK = 0,
	NOTATION_MISSING,
	NOTATION_INVALID
} NotationResult;

/* true when s is a missing marker: empty, "-", U+2013, U+2014, blanks */
extern bool notation_is_missing(const char *s);

/* plain integer ("134", " 7 "), missing markers accepted */
extern NotationResult notation_parse_int(const char *s, int *value);

/* plain decimal ("4.50", ".5", "-3.25"), missing markers accepted */
extern NotationResult notation_parse_number(const char *s, double *value);

/*
 * Race distance: "5f", "7½f", "1m", "1m2½f", "2m4f110y", "1m110y" to
 * yards (1 furlong = 220 yards, 1 mile = 1760 yards).  Also accepts the
 * furlongs column form "10.5f" and "6f".
 */
extern NotationResult notation_parse_distance(const char *s, int *yards);

/*
 * Beaten margin in lengths: decimals (".5", "1.25", "12"), fractions
 * ("1¾", "½", "2¼", "1 3/4", "3/4") and the abbreviations dht (0),
 * nse (0.05), shd and sht-hd (0.1), hd (0.2), snk (0.25), nk (0.3),
 * lgnk (0.4), dist (30).
 */
extern NotationResult notation_parse_margin(const char *s, double *lengths);

/*
 * Finishing position.  Numbers "1".."99"; a dead heat "1=" or "dh1";
 * non-finishing codes PU F UR BD RO SU CO REF RR DSQ VOI LFT (case
 * insensitive).  For a number, *position is set, *finished is true and
 * code is set to "".  For a code, *position is 0, *finished is false and
 * code holds the upper-case code.  code must have room for
 * NOTATION_POSCODE_LEN bytes.
 */
#define NOTATION_POSCODE_LEN 8
extern NotationResult notation_parse_position(const char *s, int *position,
											  bool *finished,
											  bool *dead_heat,
											  char *code);

/*
 * Weight: "11-7" or "11st 7lb" (stones-pounds, pounds 0..13) or plain
 * pounds "161" (1..999) to pounds.
 */
extern NotationResult notation_parse_weight(const char *s, int *lbs);

/*
 * Race time to seconds: "1:4.85" (64.85), "4:05.20", "64.85", "1m 4.85s",
 * "4.85s".  Minutes and seconds need not be zero-padded; with minutes the
 * seconds must be below 60.
 */
extern NotationResult notation_parse_race_time(const char *s, double *secs);

/*
 * Odds to decimal: fractional "9/4" (3.25), with a favourite mark
 * "9/4F", "11/10J", "5/1C"; "Evens", "Evs", "EVS" (2.0); decimal "4.50".
 * "No Odds" and "SP" are MISSING.  fav receives 'F', 'J', 'C' or '\0'.
 * fav may be NULL.
 */
extern NotationResult notation_parse_odds(const char *s, double *decimal,
										  char *fav);

/*
 * Off time to minutes after midnight.  "13:05" and "06:40" (leading zero
 * or hour >= 13) are taken as 24-hour.  When twelve_hour is true, hours
 * 1..10 without a leading zero are afternoon or evening (+12 h), 11 is
 * morning and 12 is noon, the rule for British and Irish cards written
 * without am/pm.  "1:05pm" / "11:30am" are honoured as written.
 */
extern NotationResult notation_parse_off_time(const char *s,
											  bool twelve_hour,
											  int *minutes);

/*
 * Prize money: "€6195", "£5,234", "8053.52", "$1,200", "6195 EUR".
 * currency receives a 3-letter ISO code (room for 4 bytes); when the
 * text carries no currency, default_currency is copied.
 */
extern NotationResult notation_parse_prize(const char *s,
										   const char *default_currency,
										   double *amount, char *currency);

/*
 * Going description to group: F, G, GS, S, H, AW, DIRT (see
 * docs/notation.md).  Case-insensitive; a qualification in brackets or
 * after a comma ("Good (Good To Firm in places)") is ignored, and the
 * Racing Post abbreviations ("Gd/Fm") are known.  Returns a static
 * string, or NULL for a missing or unknown description.
 */
extern const char *notation_going_group(const char *going);

/*
 * NASCAR status to category: "finished", "crash", "mechanical",
 * "disqualified", "did not start", "other" (parked, fatigue, too slow...).
 * An unknown status is "other".  Returns a static string, NULL for a
 * missing status.
 */
extern const char *notation_nascar_status_category(const char *status);

/*
 * NASCAR track type by track name, season, length in miles (<= 0 when
 * unknown) and surface ("paved", "road", "dirt"; NULL when unknown):
 * "superspeedway", "intermediate", "short", "road", "dirt".  Road and dirt
 * come from the surface (or the name), superspeedway is Daytona,
 * Talladega and Atlanta from 2022, then ovals under 1 mile are short and
 * the rest intermediate.  Returns a static string, never NULL.
 */
extern const char *notation_track_type(const char *track, int season,
									   double length_miles,
									   const char *surface);

#endif							/* RACING_NOTATION_H */
