/*-------------------------------------------------------------------------
 *
 * notation.c
 *	  Parsers for the notations of racing results: distances, beaten
 *	  margins, finishing positions, weights, race times, odds, off times,
 *	  prize money, going descriptions and the NASCAR status and track
 *	  vocabularies.
 *
 * The loaders call these functions on every field of untrusted input,
 * and the SQL wrappers in notation_sql.c call them on whatever a user
 * types.  So every function here is plain C with no dependency on the
 * backend: it never allocates, never raises an error, never reads past
 * the terminating NUL of its input and runs in time linear in the length
 * of the input.  A NULL input counts as missing; a NULL output pointer
 * makes the parser write into a local dummy instead.
 *
 * Each parser first trims its input to a span [start, end) without the
 * leading and trailing white space (ASCII blanks and U+00A0 no-break
 * space) and then works on the span only, so nothing needs a copy of
 * the input except the short numbers handed to strtod, which go through
 * a bounded local buffer.  The backend runs with LC_NUMERIC "C", so
 * strtod always reads "." as the decimal point.
 *
 * Non-ASCII characters appear as UTF-8 byte sequences: the vulgar
 * fractions (U+00BC..U+00BE, U+2150..U+215E), the en and em dashes used
 * as missing markers and the euro and pound signs of prize money.  They
 * are matched byte for byte; a stray byte of an incomplete sequence
 * simply fails to match.
 *
 * The numeric conventions (lengths for the margin abbreviations, the
 * 12-hour rule of off times, going groups, NASCAR status categories and
 * track types) are documented with examples in docs/notation.md.
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "notation.h"

/* longest number, in characters, that the parsers accept */
#define NUMBER_MAX_CHARS	32

/* longest vocabulary entry (going, NASCAR status) compared as a whole */
#define WORD_BUF_LEN		64

/* UTF-8 sequences matched byte for byte */
#define UTF8_EN_DASH		"\xE2\x80\x93"
#define UTF8_EM_DASH		"\xE2\x80\x94"
#define UTF8_NBSP			"\xC2\xA0"
#define UTF8_EURO			"\xE2\x82\xAC"
#define UTF8_POUND			"\xC2\xA3"

/*
 * A vulgar fraction character and its value.  Distances use only ½ in
 * practice, margins also ¼ and ¾; the rest are accepted for safety.
 */
typedef struct VulgarFraction
{
	const char *utf8;
	double		value;
} VulgarFraction;

static const VulgarFraction vulgar_fractions[] = {
	{"\xC2\xBD", 1.0 / 2},		/* ½ */
	{"\xC2\xBC", 1.0 / 4},		/* ¼ */
	{"\xC2\xBE", 3.0 / 4},		/* ¾ */
	{"\xE2\x85\x90", 1.0 / 7},	/* ⅐ */
	{"\xE2\x85\x91", 1.0 / 9},	/* ⅑ */
	{"\xE2\x85\x92", 1.0 / 10},	/* ⅒ */
	{"\xE2\x85\x93", 1.0 / 3},	/* ⅓ */
	{"\xE2\x85\x94", 2.0 / 3},	/* ⅔ */
	{"\xE2\x85\x95", 1.0 / 5},	/* ⅕ */
	{"\xE2\x85\x96", 2.0 / 5},	/* ⅖ */
	{"\xE2\x85\x97", 3.0 / 5},	/* ⅗ */
	{"\xE2\x85\x98", 4.0 / 5},	/* ⅘ */
	{"\xE2\x85\x99", 1.0 / 6},	/* ⅙ */
	{"\xE2\x85\x9A", 5.0 / 6},	/* ⅚ */
	{"\xE2\x85\x9B", 1.0 / 8},	/* ⅛ */
	{"\xE2\x85\x9C", 3.0 / 8},	/* ⅜ */
	{"\xE2\x85\x9D", 5.0 / 8},	/* ⅝ */
	{"\xE2\x85\x9E", 7.0 / 8},	/* ⅞ */
};

/* A word of a vocabulary and the value it stands for. */
typedef struct MarginWord
{
	const char *word;
	double		lengths;
} MarginWord;

/*
 * Margin abbreviations of British and Irish results, in lengths.  The
 * values are the ones rpscrape writes into its numeric btn columns.
 */
static const MarginWord margin_words[] = {
	{"dht", 0.0},
	{"dh", 0.0},
	{"dead heat", 0.0},
	{"nse", 0.05},
	{"nose", 0.05},
	{"shd", 0.1},
	{"sht-hd", 0.1},
	{"short head", 0.1},
	{"hd", 0.2},
	{"head", 0.2},
	{"snk", 0.25},
	{"sht-nk", 0.25},
	{"short neck", 0.25},
	{"nk", 0.3},
	{"neck", 0.3},
	{"lgnk", 0.4},
	{"long neck", 0.4},
	{"dist", 30.0},
	{"distance", 30.0},
};

/* Non-finishing codes of a finishing position, upper case. */
static const char *const position_codes[] = {
	"PU",						/* pulled up */
	"F",						/* fell */
	"UR",						/* unseated rider */
	"BD",						/* brought down */
	"RO",						/* ran out */
	"SU",						/* slipped up */
	"CO",						/* carried out */
	"REF",						/* refused */
	"RR",						/* refused to race */
	"DSQ",						/* disqualified */
	"VOI",						/* void race */
	"LFT",						/* left at the start */
};

/* A going description, lower case with single blanks, and its group. */
typedef struct GoingWord
{
	const char *going;
	const char *group;
} GoingWord;

static const GoingWord going_words[] = {
	{"hard", "F"},
	{"hd", "F"},
	{"firm", "F"},
	{"fm", "F"},
	{"good to firm", "F"},
	{"gd/fm", "F"},
	{"good", "G"},
	{"gd", "G"},
	{"good to yielding", "G"},
	{"gd/yld", "G"},
	{"good to soft", "GS"},
	{"gd/sft", "GS"},
	{"yielding", "GS"},
	{"yld", "GS"},
	{"yielding to soft", "GS"},
	{"yld/sft", "GS"},
	{"soft", "S"},
	{"sft", "S"},
	{"soft to heavy", "S"},
	{"sft/hvy", "S"},
	{"very soft", "S"},
	{"heavy", "H"},
	{"hvy", "H"},
	{"holding", "H"},
	{"standard", "AW"},
	{"std", "AW"},
	{"standard to slow", "AW"},
	{"std/slw", "AW"},
	{"standard to fast", "AW"},
	{"std/fst", "AW"},
	{"slow", "AW"},
	{"slw", "AW"},
	{"fast", "DIRT"},
	{"muddy", "DIRT"},
	{"sloppy", "DIRT"},
};

/* NASCAR status words that a whole status must equal (lower case). */
typedef struct StatusWord
{
	const char *status;
	const char *category;
} StatusWord;

static const StatusWord status_exact[] = {
	{"running", "finished"},
	{"finished", "finished"},
	{"dvp", "crash"},			/* damaged vehicle policy: out after damage */
	{"dq", "disqualified"},
	{"dsq", "disqualified"},
	{"dns", "did not start"},
	{"dnq", "did not start"},
	{"dnf", "other"},
};

/*
 * NASCAR status fragments, tried in this order on the lower-case status:
 * the first fragment found anywhere in it decides.  Driver-related and
 * administrative reasons come before the car parts, so that "heat
 * exhaustion" is not taken for an exhaust failure nor "retired" for a
 * tire.  A status that matches nothing is "other".
 */
static const StatusWord status_fragments[] = {
	{"disqualif", "disqualified"},
	{"did not start", "did not start"},
	{"withdr", "did not start"},
	{"scratch", "did not start"},
	{"did not qualify", "did not start"},
	{"exhaustion", "other"},
	{"illness", "other"},
	{"sick", "other"},
	{"injur", "other"},
	{"medical", "other"},
	{"relieved", "other"},
	{"retired", "other"},
	{"fatigue", "other"},
	{"parked", "other"},
	{"too slow", "other"},
	{"quit", "other"},
	{"flagged", "other"},
	{"accident", "crash"},
	{"crash", "crash"},
	{"wreck", "crash"},
	{"damage", "crash"},
	{"contact", "crash"},
	{"spun", "crash"},
	{"engine", "mechanical"},
	{"suspension", "mechanical"},
	{"electric", "mechanical"},
	{"steering", "mechanical"},
	{"brake", "mechanical"},
	{"transmission", "mechanical"},
	{"gear", "mechanical"},
	{"handling", "mechanical"},
	{"fuel", "mechanical"},
	{"gas", "mechanical"},
	{"overheat", "mechanical"},
	{"heating", "mechanical"},
	{"rear end", "mechanical"},
	{"clutch", "mechanical"},
	{"fire", "mechanical"},
	{"drive", "mechanical"},
	{"battery", "mechanical"},
	{"pump", "mechanical"},
	{"vibration", "mechanical"},
	{"track bar", "mechanical"},
	{"hub", "mechanical"},
	{"power", "mechanical"},
	{"exhaust", "mechanical"},
	{"tire", "mechanical"},
	{"wheel", "mechanical"},
	{"throttle", "mechanical"},
	{"oil", "mechanical"},
	{"cool", "mechanical"},
	{"radiator", "mechanical"},
	{"chassis", "mechanical"},
	{"frame", "mechanical"},
	{"axle", "mechanical"},
	{"valve", "mechanical"},
	{"piston", "mechanical"},
	{"gasket", "mechanical"},
	{"bearing", "mechanical"},
	{"spindle", "mechanical"},
	{"ignition", "mechanical"},
	{"distributor", "mechanical"},
	{"carburetor", "mechanical"},
	{"cam", "mechanical"},
	{"crank", "mechanical"},
	{"rocker", "mechanical"},
	{"spring", "mechanical"},
	{"shock", "mechanical"},
	{"sway bar", "mechanical"},
	{"torsion", "mechanical"},
	{"joint", "mechanical"},
	{"wiring", "mechanical"},
	{"alternator", "mechanical"},
	{"differential", "mechanical"},
	{"belt", "mechanical"},
	{"leak", "mechanical"},
	{"header", "mechanical"},
	{"mechanical", "mechanical"},
};

/* Road and street courses recognised by name when the surface is unknown */
static const char *const road_course_names[] = {
	"road course",
	"street course",
	"roval",
	"watkins glen",
	"sonoma",
	"sears point",
	"road america",
	"road atlanta",
	"circuit of the americas",
	"riverside",
	"autodromo",
};

/* Ovals under a mile, recognised by name when the length is unknown */
static const char *const short_track_names[] = {
	"martinsville",
	"bristol",
	"richmond",
	"north wilkesboro",
	"iowa speedway",
	"bowman gray",
	"coliseum",
	"fairgrounds",
};

#define lengthof(array) (sizeof(array) / sizeof((array)[0]))


/* ---------------------------------------------------------------------
 * Span helpers
 *
 * A span is a pair of pointers [p, end) into the caller's string.  No
 * helper ever reads at or beyond end.
 * ---------------------------------------------------------------------
 */

/*
 * Length in bytes of the white space character at p, or 0.  White space
 * is the ASCII blanks and U+00A0, which spreadsheets like to leave in.
 */
static int
blank_len(const char *p, const char *end)
{
	if (p >= end)
		return 0;
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		*p == '\v' || *p == '\f')
		return 1;
	if (end - p >= 2 && memcmp(p, UTF8_NBSP, 2) == 0)
		return 2;
	return 0;
}

/* Skip white space from p; returns the first non-blank position. */
static const char *
skip_blanks(const char *p, const char *end)
{
	int			n;

	while ((n = blank_len(p, end)) > 0)
		p += n;
	return p;
}

/* Move end back over the white space at the end of [p, end). */
static const char *
trim_end(const char *p, const char *end)
{
	for (;;)
	{
		if (end > p && blank_len(end - 1, end) == 1)
			end--;
		else if (end - p >= 2 && memcmp(end - 2, UTF8_NBSP, 2) == 0)
			end -= 2;
		else
			return end;
	}
}

/* Trim s into the span [*start, *end).  A NULL s becomes an empty span. */
static void
trim_span(const char *s, const char **start, const char **end)
{
	const char *e;

	if (s == NULL)
	{
		static const char empty[] = "";

		*start = *end = empty;
		return;
	}
	e = s + strlen(s);
	*start = skip_blanks(s, e);
	*end = trim_end(*start, e);
}

/* ASCII lower case of c; other bytes unchanged. */
static char
lower_ascii(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char) (c - 'A' + 'a');
	return c;
}

/* true for an ASCII decimal digit */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* true for an ASCII letter */
static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Length of the literal word if the span at p starts with it, compared
 * without regard to ASCII case; 0 if it does not.  word is lower case.
 */
static size_t
prefix_ci(const char *p, const char *end, const char *word)
{
	size_t		n = strlen(word);
	size_t		i;

	if ((size_t) (end - p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower_ascii(p[i]) != word[i])
			return 0;
	return n;
}

/* true when the span [p, end) equals word, ignoring ASCII case */
static bool
span_equals_ci(const char *p, const char *end, const char *word)
{
	return (size_t) (end - p) == strlen(word) && prefix_ci(p, end, word) > 0;
}

/* true when the span [p, end) is a missing marker (already trimmed) */
static bool
span_is_missing(const char *p, const char *end)
{
	size_t		n = end - p;

	return n == 0 ||
		(n == 1 && *p == '-') ||
		(n == 3 && memcmp(p, UTF8_EN_DASH, 3) == 0) ||
		(n == 3 && memcmp(p, UTF8_EM_DASH, 3) == 0);
}

/*
 * Scan an unsigned integer of at most max_digits digits at p.  Returns
 * the position after it, or NULL when there is no digit or too many.
 */
static const char *
scan_uint(const char *p, const char *end, int max_digits, long long *value)
{
	long long	v = 0;
	int			n = 0;

	while (p < end && is_digit(*p))
	{
		if (++n > max_digits)
			return NULL;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (n == 0)
		return NULL;
	*value = v;
	return p;
}

/*
 * Scan an unsigned decimal number "12", "12.5", ".5" or "12." at p, with
 * at most max_int_digits digits before the point and NUMBER_MAX_CHARS
 * characters in all.  Returns the position after it, or NULL when there
 * is no number there.  *had_point tells whether a point was seen; it
 * may be NULL.
 */
static const char *
scan_decimal(const char *p, const char *end, int max_int_digits,
			 double *value, bool *had_point)
{
	char		buf[NUMBER_MAX_CHARS + 1];
	int			len = 0;
	int			int_digits = 0;
	int			frac_digits = 0;
	bool		point = false;

	while (p < end && is_digit(*p))
	{
		if (++int_digits > max_int_digits || len >= NUMBER_MAX_CHARS)
			return NULL;
		buf[len++] = *p++;
	}
	if (p < end && *p == '.')
	{
		const char *q = p + 1;

		/* a point counts only when a digit is on at least one side */
		if (int_digits > 0 || (q < end && is_digit(*q)))
		{
			point = true;
			if (len >= NUMBER_MAX_CHARS)
				return NULL;
			buf[len++] = '.';
			p = q;
			while (p < end && is_digit(*p))
			{
				if (len >= NUMBER_MAX_CHARS)
					return NULL;
				buf[len++] = *p++;
				frac_digits++;
			}
		}
	}
	if (int_digits + frac_digits == 0)
		return NULL;
	buf[len] = '\0';
	*value = strtod(buf, NULL);
	if (had_point)
		*had_point = point;
	return p;
}

/*
 * Match a vulgar fraction character at p.  Returns its length in bytes
 * and sets *value, or returns 0.
 */
static int
scan_vulgar(const char *p, const char *end, double *value)
{
	size_t		i;

	for (i = 0; i < lengthof(vulgar_fractions); i++)
	{
		size_t		n = strlen(vulgar_fractions[i].utf8);

		if ((size_t) (end - p) >= n &&
			memcmp(p, vulgar_fractions[i].utf8, n) == 0)
		{
			*value = vulgar_fractions[i].value;
			return (int) n;
		}
	}
	return 0;
}

/*
 * Copy the span into buf (size WORD_BUF_LEN) in lower case, with every
 * run of white space turned into one blank.  Returns false when it does
 * not fit.
 */
static bool
normalise_word(const char *p, const char *end, char *buf)
{
	int			len = 0;

	while (p < end)
	{
		int			n = blank_len(p, end);

		if (n > 0)
		{
			p = skip_blanks(p, end);
			if (len >= WORD_BUF_LEN - 1)
				return false;
			buf[len++] = ' ';
			continue;
		}
		if (len >= WORD_BUF_LEN - 1)
			return false;
		buf[len++] = lower_ascii(*p++);
	}
	buf[len] = '\0';
	return true;
}

/*
 * Find needle in the span [p, end), ignoring ASCII case.  needle is lower
 * case and not empty.
 */
static bool
span_contains_ci(const char *p, const char *end, const char *needle)
{
	for (; p < end; p++)
		if (prefix_ci(p, end, needle) > 0)
			return true;
	return false;
}


/* ---------------------------------------------------------------------
 * Generic values
 * ---------------------------------------------------------------------
 */

/*
 * notation_is_missing
 *		true when s is empty, white space, "-", an en dash or an em dash.
 *		A NULL pointer is missing too.
 */
bool
notation_is_missing(const char *s)
{
	const char *p;
	const char *end;

	trim_span(s, &p, &end);
	return span_is_missing(p, end);
}

/*
 * notation_parse_int
 *		An optionally signed decimal integer that fits in an int.
 */
NotationResult
notation_parse_int(const char *s, int *value)
{
	const char *p;
	const char *end;
	bool		negative = false;
	long long	v;
	int			dummy;

	if (value == NULL)
		value = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	/* ten digits hold every int; the range is checked below */
	p = scan_uint(p, end, 10, &v);
	if (p == NULL || p != end)
		return NOTATION_INVALID;
	if (negative)
		v = -v;
	if (v < INT_MIN || v > INT_MAX)
		return NOTATION_INVALID;
	*value = (int) v;
	return NOTATION_OK;
}

/*
 * notation_parse_number
 *		An optionally signed decimal number: "4.50", ".5", "-3.25", "12".
 *		No exponent, no thousands separator, at most 15 digits before
 *		the point.
 */
NotationResult
notation_parse_number(const char *s, double *value)
{
	const char *p;
	const char *end;
	bool		negative = false;
	double		v;
	double		dummy;

	if (value == NULL)
		value = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	p = scan_decimal(p, end, 15, &v, NULL);
	if (p == NULL || p != end)
		return NOTATION_INVALID;
	*value = negative ? -v : v;
	return NOTATION_OK;
}


/* ---------------------------------------------------------------------
 * Horse racing notations
 * ---------------------------------------------------------------------
 */

/*
 * notation_parse_distance
 *		"1m2½f", "2m4f110y", "5f", "10.5f" to yards.
 *
 * The distance is a sequence of up to three parts in the order miles,
 * furlongs, yards, each a number with its unit letter and optionally
 * separated by blanks ("1m 2f").  A part's number is digits, a decimal
 * ("10.5") or digits followed by a vulgar fraction ("2½", or "½"
 * alone).  Each part stays below 100 miles, 1000 furlongs or 10000
 * yards, which keeps metres written as "1194m" out.  The total is
 * rounded to the nearest yard and must be positive.
 */
NotationResult
notation_parse_distance(const char *s, int *yards)
{
	const char *p;
	const char *end;
	double		total = 0.0;
	int			last_unit = 0;	/* 0 none, 1 miles, 2 furlongs, 3 yards */
	int			dummy;

	if (yards == NULL)
		yards = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	while (p < end)
	{
		double		number = 0.0;
		double		fraction;
		bool		had_point = false;
		const char *q;
		int			n;
		int			unit;
		double		unit_yards;
		double		limit;

		q = scan_decimal(p, end, 6, &number, &had_point);
		if (q == NULL)
			q = p;				/* "½f" has no whole part */
		n = scan_vulgar(q, end, &fraction);
		if (n > 0)
		{
			if (had_point)
				return NOTATION_INVALID;	/* "10.5½f" */
			number += fraction;
			q += n;
		}
		else if (q == p)
			return NOTATION_INVALID;	/* neither digits nor fraction */

		if (q >= end)
			return NOTATION_INVALID;	/* a number without a unit */
		switch (lower_ascii(*q))
		{
			case 'm':
				unit = 1;
				unit_yards = 1760.0;
				limit = 100.0;
				break;
			case 'f':
				unit = 2;
				unit_yards = 220.0;
				limit = 1000.0;
				break;
			case 'y':
				unit = 3;
				unit_yards = 1.0;
				limit = 10000.0;
				break;
			default:
				return NOTATION_INVALID;
		}
		if (unit <= last_unit)
			return NOTATION_INVALID;	/* "5f1m", "1m1m" */
		if (number >= limit)
			return NOTATION_INVALID;	/* "1194m" is metres, not miles */
		last_unit = unit;
		total += number * unit_yards;
		p = skip_blanks(q + 1, end);
	}

	total = floor(total + 0.5);
	if (total <= 0.0 || total > INT_MAX)
		return NOTATION_INVALID;
	*yards = (int) total;
	return NOTATION_OK;
}

/*
 * notation_parse_margin
 *		A beaten margin in lengths: ".5", "1.25", "1¾", "½", "1 3/4",
 *		"3/4", or one of the abbreviations of margin_words.
 */
NotationResult
notation_parse_margin(const char *s, double *lengths)
{
	const char *p;
	const char *end;
	double		whole = 0.0;
	double		fraction;
	bool		had_point = false;
	const char *q;
	long long	numerator;
	long long	denominator;
	size_t		i;
	int			n;
	double		dummy;

	if (lengths == NULL)
		lengths = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	for (i = 0; i < lengthof(margin_words); i++)
	{
		if (span_equals_ci(p, end, margin_words[i].word))
		{
			*lengths = margin_words[i].lengths;
			return NOTATION_OK;
		}
	}

	q = scan_decimal(p, end, 6, &whole, &had_point);
	if (q == NULL)
	{
		whole = 0.0;
		q = p;
	}
	if (q == end)
	{
		*lengths = whole;		/* a plain decimal, "12" or ".5" */
		return NOTATION_OK;
	}
	if (had_point)
		return NOTATION_INVALID;	/* "1.5¾" */

	/*
	 * The fraction: a vulgar fraction right after the whole part ("1¾",
	 * "½") or after a blank ("1 ¾"), or a written fraction alone ("3/4")
	 * or after a blank ("1 3/4").  "13/4" with no blank is a bare
	 * fraction, and an improper one, so it is refused below.
	 */
	if (*q == '/')
	{
		whole = 0.0;
		q = p;
	}
	else if (q > p)
	{
		const char *after = skip_blanks(q, end);

		if (after == q && scan_vulgar(q, end, &fraction) == 0)
			return NOTATION_INVALID;
		q = after;
	}

	n = scan_vulgar(q, end, &fraction);
	if (n > 0)
	{
		if (q + n != end)
			return NOTATION_INVALID;
		*lengths = whole + fraction;
		return NOTATION_OK;
	}

	q = scan_uint(q, end, 3, &numerator);
	if (q == NULL || q >= end || *q != '/')
		return NOTATION_INVALID;
	q = scan_uint(q + 1, end, 3, &denominator);
	if (q == NULL || q != end)
		return NOTATION_INVALID;
	if (denominator == 0 || numerator >= denominator)
		return NOTATION_INVALID;
	*lengths = whole + (double) numerator / (double) denominator;
	return NOTATION_OK;
}

/*
 * notation_parse_position
 *		A finishing position: "1".."99", a dead heat "1=" or "dh1", or a
 *		non-finishing code of position_codes.
 */
NotationResult
notation_parse_position(const char *s, int *position, bool *finished,
						bool *dead_heat, char *code)
{
	const char *p;
	const char *end;
	bool		is_dead_heat = false;
	long long	v;
	size_t		i;
	int			dummy_position;
	bool		dummy_finished;
	bool		dummy_dead_heat;
	char		dummy_code[NOTATION_POSCODE_LEN];

	if (position == NULL)
		position = &dummy_position;
	if (finished == NULL)
		finished = &dummy_finished;
	if (dead_heat == NULL)
		dead_heat = &dummy_dead_heat;
	if (code == NULL)
		code = dummy_code;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	/* other spellings of a disqualification */
	{
		static const char *const dsq_spellings[] = {"DQ", "DISQ", "DISQUALIFIED"};

		for (i = 0; i < lengthof(dsq_spellings); i++)
		{
			const char *c = dsq_spellings[i];
			size_t		len = strlen(c);
			size_t		j;

			if ((size_t) (end - p) != len)
				continue;
			for (j = 0; j < len; j++)
				if (lower_ascii(p[j]) != lower_ascii(c[j]))
					break;
			if (j == len)
			{
				*position = 0;
				*finished = false;
				*dead_heat = false;
				strcpy(code, "DSQ");
				return NOTATION_OK;
			}
		}
	}

	for (i = 0; i < lengthof(position_codes); i++)
	{
		const char *c = position_codes[i];
		size_t		len = strlen(c);
		size_t		j;

		if ((size_t) (end - p) != len)
			continue;
		for (j = 0; j < len; j++)
			if (lower_ascii(p[j]) != lower_ascii(c[j]))
				break;
		if (j == len)
		{
			*position = 0;
			*finished = false;
			*dead_heat = false;
			memcpy(code, c, len + 1);
			return NOTATION_OK;
		}
	}

	if (prefix_ci(p, end, "dh") > 0)
	{
		is_dead_heat = true;
		p += 2;
	}
	p = scan_uint(p, end, 2, &v);
	if (p == NULL)
		return NOTATION_INVALID;
	if (!is_dead_heat && p < end && *p == '=')
	{
		is_dead_heat = true;
		p++;
	}
	if (p != end || v < 1)
		return NOTATION_INVALID;
	*position = (int) v;
	*finished = true;
	*dead_heat = is_dead_heat;
	code[0] = '\0';
	return NOTATION_OK;
}

/*
 * notation_parse_weight
 *		"11-7" (stones-pounds), "11st 7lb", "11st" or plain pounds "161"
 *		(optionally "161lb") to pounds.  Stones run from 1 to 30, the
 *		pounds of a stones form from 0 to 13, plain pounds from 1 to 999.
 */
NotationResult
notation_parse_weight(const char *s, int *lbs)
{
	const char *p;
	const char *end;
	const char *q;
	long long	first;
	long long	pounds = 0;
	size_t		n;
	int			dummy;

	if (lbs == NULL)
		lbs = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	q = scan_uint(p, end, 3, &first);
	if (q == NULL)
		return NOTATION_INVALID;

	if (q < end && *q == '-')
	{
		/* "11-7" */
		q = scan_uint(q + 1, end, 2, &pounds);
		if (q == NULL || q != end)
			return NOTATION_INVALID;
	}
	else if ((n = prefix_ci(q, end, "st")) > 0)
	{
		/* "11st", "11st 7lb", "11st7" */
		q = skip_blanks(q + n, end);
		if (q < end)
		{
			q = scan_uint(q, end, 2, &pounds);
			if (q == NULL)
				return NOTATION_INVALID;
			if ((n = prefix_ci(q, end, "lbs")) > 0 ||
				(n = prefix_ci(q, end, "lb")) > 0)
				q += n;
			if (q != end)
				return NOTATION_INVALID;
		}
	}
	else
	{
		/* plain pounds, "161" or "161lb" */
		if ((n = prefix_ci(q, end, "lbs")) > 0 ||
			(n = prefix_ci(q, end, "lb")) > 0)
			q += n;
		if (q != end || first < 1)
			return NOTATION_INVALID;
		*lbs = (int) first;
		return NOTATION_OK;
	}

	if (first < 1 || first > 30 || pounds > 13)
		return NOTATION_INVALID;
	*lbs = (int) (first * 14 + pounds);
	return NOTATION_OK;
}

/*
 * notation_parse_race_time
 *		"1:4.85", "4:05.20", "64.85", "1m 4.85s", "4.85s" to seconds.
 *
 * In "m:s" and "Xm Ys" the seconds must be below 60.  The result must be
 * positive.
 */
NotationResult
notation_parse_race_time(const char *s, double *secs)
{
	const char *p;
	const char *end;
	const char *q;
	double		first;
	double		seconds;
	bool		had_point;
	double		dummy;

	if (secs == NULL)
		secs = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	q = scan_decimal(p, end, 6, &first, &had_point);
	if (q == NULL)
		return NOTATION_INVALID;

	if (q == end)
	{
		/* plain seconds */
		if (first <= 0.0)
			return NOTATION_INVALID;
		*secs = first;
		return NOTATION_OK;
	}

	if (*q == ':' || lower_ascii(*q) == 'm')
	{
		bool		colon = (*q == ':');

		/* minutes are whole */
		if (had_point)
			return NOTATION_INVALID;
		q++;
		if (!colon)
		{
			if (prefix_ci(q, end, "in") > 0)	/* "1min 4.85s" */
				q += 2;
			q = skip_blanks(q, end);
			if (q == end)
			{
				/* "2m": whole minutes */
				if (first <= 0.0)
					return NOTATION_INVALID;
				*secs = first * 60.0;
				return NOTATION_OK;
			}
		}
		q = scan_decimal(q, end, 2, &seconds, NULL);
		if (q == NULL || seconds >= 60.0)
			return NOTATION_INVALID;
		if (!colon)
		{
			if (q >= end || lower_ascii(*q) != 's')
				return NOTATION_INVALID;
			q++;
		}
		if (q != end || first * 60.0 + seconds <= 0.0)
			return NOTATION_INVALID;
		*secs = first * 60.0 + seconds;
		return NOTATION_OK;
	}

	if (lower_ascii(*q) == 's' && q + 1 == end && first > 0.0)
	{
		*secs = first;			/* "4.85s" */
		return NOTATION_OK;
	}
	return NOTATION_INVALID;
}

/*
 * notation_parse_odds
 *		Fractional "9/4", "Evens" or decimal "4.50" odds, optionally with a
 *		favourite mark, to decimal odds (stake included).
 *
 * The favourite mark follows the price: "F" favourite, "J" or "JF" joint
 * favourite, "C" or "CF" co-favourite; "fav", "jt-fav" and "co-fav" are
 * read the same way.  Decimal odds must be above 1.
 */
NotationResult
notation_parse_odds(const char *s, double *decimal, char *fav)
{
	const char *p;
	const char *end;
	const char *q;
	double		value;
	char		mark = '\0';
	char		word[WORD_BUF_LEN];
	size_t		n;
	double		dummy;

	if (decimal == NULL)
		decimal = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;
	if (normalise_word(p, end, word) &&
		(strcmp(word, "no odds") == 0 || strcmp(word, "sp") == 0))
		return NOTATION_MISSING;

	if ((n = prefix_ci(p, end, "evens")) > 0 ||
		(n = prefix_ci(p, end, "even")) > 0 ||
		(n = prefix_ci(p, end, "evs")) > 0)
	{
		value = 2.0;
		q = p + n;
	}
	else
	{
		bool		had_point;

		q = scan_decimal(p, end, 6, &value, &had_point);
		if (q == NULL)
			return NOTATION_INVALID;
		if (q < end && *q == '/')
		{
			long long	numerator;
			long long	denominator;

			/* fractional odds: both parts whole and positive */
			if (had_point)
				return NOTATION_INVALID;
			numerator = (long long) value;
			q = scan_uint(q + 1, end, 6, &denominator);
			if (q == NULL || numerator <= 0 || denominator <= 0)
				return NOTATION_INVALID;
			value = 1.0 + (double) numerator / (double) denominator;
		}
		else if (value <= 1.0)
			return NOTATION_INVALID;
	}

	/* the favourite mark, if any */
	q = skip_blanks(q, end);
	if (q < end)
	{
		if (span_equals_ci(q, end, "f") || span_equals_ci(q, end, "fav"))
			mark = 'F';
		else if (span_equals_ci(q, end, "j") ||
				 span_equals_ci(q, end, "jf") ||
				 span_equals_ci(q, end, "jt-fav"))
			mark = 'J';
		else if (span_equals_ci(q, end, "c") ||
				 span_equals_ci(q, end, "cf") ||
				 span_equals_ci(q, end, "co-fav"))
			mark = 'C';
		else
			return NOTATION_INVALID;
	}

	*decimal = value;
	if (fav != NULL)
		*fav = mark;
	return NOTATION_OK;
}

/*
 * notation_parse_off_time
 *		"1:05", "13:05", "1.05", "1:05pm" to minutes after midnight; see
 *		notation.h for the 12-hour rule.
 *
 * The minutes always have two digits.  A period may stand for the colon,
 * as in newspaper cards.  "am" and "pm" (also "a.m.", "p.m.") may follow,
 * with or without a blank; they need an hour from 1 to 12.
 */
NotationResult
notation_parse_off_time(const char *s, bool twelve_hour, int *minutes)
{
	const char *p;
	const char *end;
	const char *q;
	long long	hour;
	long long	minute;
	bool		leading_zero;
	int			meridiem = 0;	/* 0 none, 1 am, 2 pm */
	size_t		n;
	int			dummy;

	if (minutes == NULL)
		minutes = &dummy;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	leading_zero = (*p == '0' && end - p > 1 && is_digit(p[1]));
	q = scan_uint(p, end, 2, &hour);
	if (q == NULL || q >= end || (*q != ':' && *q != '.'))
		return NOTATION_INVALID;
	q++;
	if (end - q < 2 || !is_digit(q[0]) || !is_digit(q[1]))
		return NOTATION_INVALID;
	minute = (q[0] - '0') * 10 + (q[1] - '0');
	q = skip_blanks(q + 2, end);

	if (q < end)
	{
		if ((n = prefix_ci(q, end, "a.m.")) > 0 ||
			(n = prefix_ci(q, end, "am")) > 0)
			meridiem = 1;
		else if ((n = prefix_ci(q, end, "p.m.")) > 0 ||
				 (n = prefix_ci(q, end, "pm")) > 0)
			meridiem = 2;
		else
			return NOTATION_INVALID;
		if (q + n != end)
			return NOTATION_INVALID;
	}
	if (minute > 59)
		return NOTATION_INVALID;

	if (meridiem != 0)
	{
		if (hour < 1 || hour > 12)
			return NOTATION_INVALID;
		hour %= 12;
		if (meridiem == 2)
			hour += 12;
	}
	else if (hour > 23)
		return NOTATION_INVALID;
	else if (twelve_hour && !leading_zero && hour >= 1 && hour <= 10)
		hour += 12;				/* "1:05" is 13:05 */

	*minutes = (int) (hour * 60 + minute);
	return NOTATION_OK;
}

/*
 * Match a currency at p: a sign (€ £ $) or three ASCII letters not
 * followed by another letter.  Returns its length and writes the ISO
 * code into iso (4 bytes), or returns 0.
 */
static size_t
scan_currency(const char *p, const char *end, char *iso)
{
	if ((size_t) (end - p) >= 3 && memcmp(p, UTF8_EURO, 3) == 0)
	{
		memcpy(iso, "EUR", 4);
		return 3;
	}
	if ((size_t) (end - p) >= 2 && memcmp(p, UTF8_POUND, 2) == 0)
	{
		memcpy(iso, "GBP", 4);
		return 2;
	}
	if (p < end && *p == '$')
	{
		memcpy(iso, "USD", 4);
		return 1;
	}
	if (end - p >= 3 && is_alpha(p[0]) && is_alpha(p[1]) && is_alpha(p[2]) &&
		(end - p == 3 || !is_alpha(p[3])))
	{
		int			i;

		for (i = 0; i < 3; i++)
			iso[i] = (char) (lower_ascii(p[i]) - 'a' + 'A');
		iso[3] = '\0';
		return 3;
	}
	return 0;
}

/*
 * notation_parse_prize
 *		"€6195", "£5,234", "8053.52", "$1,200", "6195 EUR", "EUR 6195".
 *
 * One currency at most, before or after the amount, as a sign or an
 * ISO code.  Thousands separators must group three digits.  At most
 * twelve digits before the point and six after it.
 */
NotationResult
notation_parse_prize(const char *s, const char *default_currency,
					 double *amount, char *currency)
{
	const char *p;
	const char *end;
	char		iso[4] = "";
	char		digits[NUMBER_MAX_CHARS + 1];
	int			len = 0;
	int			int_digits = 0;
	int			group = 0;		/* digits since the last comma */
	bool		grouped = false;
	size_t		n;
	double		dummy_amount;
	char		dummy_currency[4];

	if (amount == NULL)
		amount = &dummy_amount;
	if (currency == NULL)
		currency = dummy_currency;
	trim_span(s, &p, &end);
	if (span_is_missing(p, end))
		return NOTATION_MISSING;

	/* currency first: "€6195", "EUR 6195" */
	if ((n = scan_currency(p, end, iso)) > 0)
		p = skip_blanks(p + n, end);

	/* whole part with optional thousands separators */
	while (p < end && (is_digit(*p) || *p == ','))
	{
		if (*p == ',')
		{
			if (int_digits == 0 || (grouped ? group != 3 : group > 3))
				return NOTATION_INVALID;
			grouped = true;
			group = 0;
			p++;
			continue;
		}
		if (++int_digits > 12)
			return NOTATION_INVALID;
		digits[len++] = *p++;
		group++;
	}
	if (int_digits == 0 || (grouped && group != 3))
		return NOTATION_INVALID;

	/* fraction */
	if (p < end && *p == '.')
	{
		int			frac_digits = 0;

		digits[len++] = *p++;
		while (p < end && is_digit(*p))
		{
			if (++frac_digits > 6)
				return NOTATION_INVALID;
			digits[len++] = *p++;
		}
		if (frac_digits == 0)
			return NOTATION_INVALID;
	}
	digits[len] = '\0';

	/* currency last: "6195 EUR", "6195€" */
	p = skip_blanks(p, end);
	if (p < end)
	{
		if (iso[0] != '\0')
			return NOTATION_INVALID;	/* two currencies */
		n = scan_currency(p, end, iso);
		if (n == 0 || p + n != end)
			return NOTATION_INVALID;
	}

	*amount = strtod(digits, NULL);
	if (iso[0] != '\0')
		memcpy(currency, iso, 4);
	else if (default_currency != NULL)
	{
		int			i;

		/* at most three bytes: the buffer holds four */
		for (i = 0; i < 3 && default_currency[i] != '\0'; i++)
			currency[i] = default_currency[i];
		currency[i] = '\0';
	}
	else
		currency[0] = '\0';
	return NOTATION_OK;
}

/*
 * notation_going_group
 *		The going group of a description, or NULL when it is missing or
 *		not known.
 *
 * Only the main description counts: a qualification in brackets or after
 * a comma ("Good (Good To Firm in places)", "Soft, Heavy in places") is
 * ignored.  Case and the number of blanks do not matter.
 */
const char *
notation_going_group(const char *going)
{
	const char *p;
	const char *end;
	const char *q;
	char		buf[WORD_BUF_LEN];
	size_t		i;

	trim_span(going, &p, &end);
	for (q = p; q < end; q++)
	{
		if (*q == '(' || *q == ',')
		{
			end = trim_end(p, q);
			break;
		}
	}
	if (span_is_missing(p, end) || !normalise_word(p, end, buf))
		return NULL;

	for (i = 0; i < lengthof(going_words); i++)
		if (strcmp(buf, going_words[i].going) == 0)
			return going_words[i].group;
	return NULL;
}


/* ---------------------------------------------------------------------
 * NASCAR vocabularies
 * ---------------------------------------------------------------------
 */

/*
 * notation_nascar_status_category
 *		The category of a NASCAR status: a whole-word match in
 *		status_exact, else the first fragment of status_fragments found
 *		in it, else "other".  NULL for a missing status.
 */
const char *
notation_nascar_status_category(const char *status)
{
	const char *p;
	const char *end;
	size_t		i;

	trim_span(status, &p, &end);
	if (span_is_missing(p, end))
		return NULL;

	for (i = 0; i < lengthof(status_exact); i++)
		if (span_equals_ci(p, end, status_exact[i].status))
			return status_exact[i].category;
	for (i = 0; i < lengthof(status_fragments); i++)
		if (span_contains_ci(p, end, status_fragments[i].status))
			return status_fragments[i].category;
	return "other";
}

/*
 * notation_track_type
 *		The type of a NASCAR track in a season.
 *
 * Tried in this order:
 *	1. surface "road" (or "street") is road, "dirt" is dirt;
 *	2. a name of road_course_names is road, a name with "dirt" is dirt;
 *	3. Daytona and Talladega (also under its old name, Alabama
 *	   International Motor Speedway) are superspeedways, and so is
 *	   Atlanta from 2022, when it was repaved and reprofiled for pack
 *	   racing (renamed EchoPark Speedway in 2025);
 *	4. with a known length, an oval under 1 mile is short, any other
 *	   oval intermediate (including the 2-2.5 mile flat tracks such as
 *	   Pocono and Indianapolis, which do not race in packs);
 *	5. with an unknown length, a name of short_track_names is short and
 *	   any other track intermediate, the most common type.
 */
const char *
notation_track_type(const char *track, int season, double length_miles,
					const char *surface)
{
	const char *name;
	const char *name_end;
	const char *sp;
	const char *sp_end;
	size_t		i;

	trim_span(track, &name, &name_end);
	trim_span(surface, &sp, &sp_end);

	if (span_contains_ci(sp, sp_end, "road") ||
		span_contains_ci(sp, sp_end, "street"))
		return "road";
	if (span_contains_ci(sp, sp_end, "dirt"))
		return "dirt";

	for (i = 0; i < lengthof(road_course_names); i++)
		if (span_contains_ci(name, name_end, road_course_names[i]))
			return "road";
	if (span_contains_ci(name, name_end, "dirt"))
		return "dirt";

	if (span_contains_ci(name, name_end, "daytona") ||
		span_contains_ci(name, name_end, "talladega") ||
		span_contains_ci(name, name_end, "alabama international"))
		return "superspeedway";
	if (span_contains_ci(name, name_end, "echopark") ||
		(span_contains_ci(name, name_end, "atlanta") && season >= 2022))
		return "superspeedway";

	/* NaN compares false both ways and so falls to the unknown case */
	if (length_miles > 0.0)
		return length_miles < 1.0 ? "short" : "intermediate";

	for (i = 0; i < lengthof(short_track_names); i++)
		if (span_contains_ci(name, name_end, short_track_names[i]))
			return "short";
	return "intermediate";
}
