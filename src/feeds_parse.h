/*-------------------------------------------------------------------------
 *
 * feeds_parse.h
 *	  Pure-C helpers of the JSON feed readers: name clean-up (jockey
 *	  claims, NASCAR driver markers), ISO dates with sentinels, and the
 *	  position of a JSON syntax error.  Nothing here uses PostgreSQL, so
 *	  the fuzz harness in test/fuzz/ can link this file alone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RACING_FEEDS_PARSE_H
#define RACING_FEEDS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* flags found in a NASCAR driver name */
#define FEED_DRIVER_ROOKIE		0x01	/* trailing '#' */
#define FEED_DRIVER_INELIGIBLE	0x02	/* "(i)": not eligible for points */
#define FEED_DRIVER_STAR		0x04	/* leading '*' */
#define FEED_DRIVER_PLAYOFF		0x08	/* "(P)" */

extern size_t feed_strip_driver(const char *in, char *out, size_t outsize,
								int *flags);
extern size_t feed_strip_claim(const char *in, char *out, size_t outsize,
							   int *claim);
extern bool feed_parse_iso_date(const char *s, int *year, int *month,
								int *day);
extern bool feed_parse_iso_timestamp(const char *s, int *year, int *month,
									 int *day, int *hour, int *minute,
									 int *second);
extern long feed_find_nul_escape(const char *buf, size_t len);
extern void feed_error_position(const char *buf, size_t len, size_t offset,
								long *line, long *column, int *depth);

#endif							/* RACING_FEEDS_PARSE_H */
