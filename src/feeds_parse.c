/*-------------------------------------------------------------------------
 *
 * feeds_parse.c
 *	  Pure-C helpers of the JSON feed readers (see feeds_parse.h).
 *
 * These functions never allocate and never read past the terminating
 * NUL of their input; output buffers are always NUL-terminated when
 * outsize > 0.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <string.h>

#include "feeds_parse.h"

/* is c blank (space or tab) */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* does s[0..len) end with suffix, ASCII case-sensitively */
static bool
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t		n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* copy s[0..len) to out, cut at outsize - 1; returns the length copied */
static size_t
copy_out(const char *s, size_t len, char *out, size_t outsize)
{
	if (outsize == 0)
		return 0;
	if (len > outsize - 1)
		len = outsize - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return len;
}

/*
 * Strip the markers of a NASCAR driver name: a leading '*', a trailing
 * '#', "(i)" or "(P)", in any order and with any blanks around them.
 * "* Tyler Reddick (P)" becomes "Tyler Reddick".  The flags found are
 * ORed into *flags.  Returns the length of the cleaned name.
 */
size_t
feed_strip_driver(const char *in, char *out, size_t outsize, int *flags)
{
	const char *s = in;
	size_t		len = strlen(in);
	bool		changed = true;

	*flags = 0;
	while (changed)
	{
		changed = false;
		while (len > 0 && is_blank(*s))
		{
			s++;
			len--;
		}
		while (len > 0 && is_blank(s[len - 1]))
			len--;
		if (len > 0 && *s == '*')
		{
			s++;
			len--;
			*flags |= FEED_DRIVER_STAR;
			changed = true;
		}
		else if (len > 0 && s[len - 1] == '#')
		{
			len--;
			*flags |= FEED_DRIVER_ROOKIE;
			changed = true;
		}
		else if (ends_with(s, len, "(i)") || ends_with(s, len, "(I)"))
		{
			len -= 3;
			*flags |= FEED_DRIVER_INELIGIBLE;
			changed = true;
		}
		else if (ends_with(s, len, "(P)") || ends_with(s, len, "(p)"))
		{
			len -= 3;
			*flags |= FEED_DRIVER_PLAYOFF;
			changed = true;
		}
	}
	return copy_out(s, len, out, outsize);
}

/*
 * Strip a rider's claim from a v1 race-card jockey name: "Mr Jake
 * Holman(7)" becomes "Mr Jake Holman" with *claim = 7.  A name without a
 * claim is copied trimmed, with *claim = 0.  Returns the length.
 */
size_t
feed_strip_claim(const char *in, char *out, size_t outsize, int *claim)
{
	const char *s = in;
	size_t		len = strlen(in);

	*claim = 0;
	while (len > 0 && is_blank(*s))
	{
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len >= 3 && s[len - 1] == ')')
	{
		size_t		i = len - 1;
		int			v = 0;
		int			digits = 0;

		while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && digits < 3)
		{
			i--;
			digits++;
		}
		if (digits > 0 && i > 0 && s[i - 1] == '(')
		{
			size_t		j;

			for (j = i; j < len - 1; j++)
				v = v * 10 + (s[j] - '0');
			*claim = v;
			len = i - 1;
			while (len > 0 && is_blank(s[len - 1]))
				len--;
		}
	}
	return copy_out(s, len, out, outsize);
}

/*
 * Read the date part of "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ss...".
 * Returns false for a malformed date and for the sentinels the NASCAR
 * feeds use for "no date" (year 0001, and 1900-01-01).
 */
bool
feed_parse_iso_date(const char *s, int *year, int *month, int *day)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			i;
	int			y = 0,
				m,
				d;

	for (i = 0; i < 10; i++)
	{
		if (s[i] == '\0')
			return false;
		if (i == 4 || i == 7)
		{
			if (s[i] != '-')
				return false;
		}
		else if (s[i] < '0' || s[i] > '9')
			return false;
	}
	if (s[10] != '\0' && s[10] != 'T' && s[10] != ' ')
		return false;
	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	if (y <= 1900)
		return false;			/* 0001-01-01 and 1900-01-01 mean none */
	*year = y;
	*month = m;
	*day = d;
	return true;
}

/*
 * Parse an ISO 8601 timestamp "YYYY-MM-DDTHH:MM[:SS]" as the feeds write
 * it; a fraction of a second and a Z or +HH:MM offset after it are read
 * over (the feeds say in the key whether a time is local or UTC).
 * Returns false for the sentinel dates and for anything malformed.
 */
bool
feed_parse_iso_timestamp(const char *s, int *year, int *month, int *day,
						 int *hour, int *minute, int *second)
{
	const char *t;
	int			h,
				mi,
				sec = 0;

	if (!feed_parse_iso_date(s, year, month, day) || s[10] == '\0')
		return false;
	t = s + 11;
	if (!isdigit((unsigned char) t[0]) || !isdigit((unsigned char) t[1]) ||
		t[2] != ':' ||
		!isdigit((unsigned char) t[3]) || !isdigit((unsigned char) t[4]))
		return false;
	h = (t[0] - '0') * 10 + (t[1] - '0');
	mi = (t[3] - '0') * 10 + (t[4] - '0');
	t += 5;
	if (t[0] == ':')
	{
		if (!isdigit((unsigned char) t[1]) || !isdigit((unsigned char) t[2]))
			return false;
		sec = (t[1] - '0') * 10 + (t[2] - '0');
		t += 3;
	}
	/* a fraction, then Z or an offset +HH:MM, then the end */
	if (t[0] == '.')
	{
		t++;
		if (!isdigit((unsigned char) t[0]))
			return false;
		while (isdigit((unsigned char) t[0]))
			t++;
	}
	if (t[0] == 'Z')
		t++;
	else if (t[0] == '+' || t[0] == '-')
	{
		if (!isdigit((unsigned char) t[1]) || !isdigit((unsigned char) t[2]) ||
			t[3] != ':' ||
			!isdigit((unsigned char) t[4]) || !isdigit((unsigned char) t[5]))
			return false;
		t += 6;
	}
	if (t[0] != '\0')
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*hour = h;
	*minute = mi;
	*second = sec;
	return true;
}

/*
 * Offset of the first \u0000 escape in a JSON text, or -1.  cJSON turns
 * it into a NUL that would end the C string it belongs to, and a text
 * column cannot hold it.
 */
long
feed_find_nul_escape(const char *buf, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		if (buf[i] != '\\')
		{
			i++;
			continue;
		}
		if (i + 5 < len && buf[i + 1] == 'u' && buf[i + 2] == '0' &&
			buf[i + 3] == '0' && buf[i + 4] == '0' && buf[i + 5] == '0')
			return (long) i;
		i += 2;					/* the escaped character */
	}
	return -1;
}

/*
 * Line and column (both 1-based) of byte offset in buf, and the nesting
 * depth of arrays and objects open there (outside strings).
 */
void
feed_error_position(const char *buf, size_t len, size_t offset,
					long *line, long *column, int *depth)
{
	size_t		i;
	bool		in_string = false;
	bool		escaped = false;

	*line = 1;
	*column = 1;
	*depth = 0;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++)
	{
		char		c = buf[i];

		if (c == '\n')
		{
			(*line)++;
			*column = 1;
		}
		else
			(*column)++;
		if (in_string)
		{
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{')
			(*depth)++;
		else if ((c == ']' || c == '}') && *depth > 0)
			(*depth)--;
	}
}
