/*-------------------------------------------------------------------------
 *
 * feeds_fuzz.c
 *	  libFuzzer harness over the pure-C helpers of the JSON feed readers
 *	  (src/feeds_parse.c): driver markers, jockey claims, ISO dates and
 *	  timestamps, \u0000 escapes and the position of a JSON syntax error
 *	  as cJSON reports it.
 *
 * Built by test/fuzz/run.sh with clang -fsanitize=fuzzer,address.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "feeds_parse.h"

/* stop the run on a broken invariant */
static void
check(int ok)
{
	if (!ok)
		abort();
}

/*
 * One input: the bytes as a C string through every helper, with small
 * and exact output buffers, then as a JSON document.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	char	   *out = malloc(size + 1);
	char		small[4];
	size_t		n;
	int			flags;
	int			claim;
	int			y,
				m,
				d;
	long		line,
				col;
	int			depth;
	cJSON	   *root;

	memcpy(s, data, size);
	s[size] = '\0';

	n = feed_strip_driver(s, out, size + 1, &flags);
	check(n == strlen(out) && n <= strlen(s));
	/* stripping is idempotent */
	{
		char	   *again = malloc(n + 1);
		int			flags2;

		check(feed_strip_driver(out, again, n + 1, &flags2) == n);
		check(flags2 == 0 && strcmp(again, out) == 0);
		free(again);
	}
	n = feed_strip_driver(s, small, sizeof(small), &flags);
	check(n < sizeof(small) && small[n] == '\0');
	n = feed_strip_driver(s, small, 0, &flags);
	check(n == 0);

	n = feed_strip_claim(s, out, size + 1, &claim);
	check(n == strlen(out) && claim >= 0 && claim <= 999);
	n = feed_strip_claim(s, small, sizeof(small), &claim);
	check(n < sizeof(small));

	if (feed_parse_iso_date(s, &y, &m, &d))
		check(y > 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
	{
		int			hh,
					mi,
					ss;

		if (feed_parse_iso_timestamp(s, &y, &m, &d, &hh, &mi, &ss))
			check(feed_parse_iso_date(s, &y, &m, &d) &&
				  hh >= 0 && hh <= 23 && mi >= 0 && mi <= 59 && ss >= 0 && ss <= 59);
	}
	{
		long		nul = feed_find_nul_escape(s, strlen(s));

		check(nul == -1 || (nul >= 0 && (size_t) nul + 5 < strlen(s) &&
							strncmp(s + nul, "\\u0000", 6) == 0));
	}

	root = cJSON_ParseWithOpts(s, NULL, 1);
	if (root == NULL)
	{
		const char *p = cJSON_GetErrorPtr();
		size_t		off = (p && p >= s && p <= s + strlen(s)) ? (size_t) (p - s) : strlen(s);

		feed_error_position(s, strlen(s), off, &line, &col, &depth);
		check(line >= 1 && col >= 1 && depth >= 0 && (size_t) depth <= off);
	}
	else
		cJSON_Delete(root);
	feed_error_position(s, size, size + 10, &line, &col, &depth);
	check(line >= 1 && col >= 1);

	free(s);
	free(out);
	return 0;
}
