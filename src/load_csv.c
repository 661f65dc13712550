/*-------------------------------------------------------------------------
 *
 * load_csv.c
 *	  Reader of rpscrape and nascaR.data CSV files, on top of PostgreSQL's
 *	  own CSV parser (the COPY FROM machinery).
 *
 * The file (server side) or a bytea value (sent by a client) is opened
 * with BeginCopyFrom() in CSV format and split into raw fields with
 * NextCopyFromRawFields(); this module never parses CSV itself.  COPY is
 * told the input is SQL_ASCII, so it passes bytes through unchanged and
 * a cp1252 byte cannot abort the load: every field is checked for valid
 * UTF-8 here, and a row that is not is quarantined, or transcoded from
 * racing.fallback_encoding when that is set.
 *
 * Columns are mapped by header name (case-insensitive), so any subset
 * and order of rpscrape's configurable fields works, as do its older
 * capitalised header and nascaR.data's renamed variants.  A header
 * without the key columns is refused with an error naming them.
 *
 * A CSV syntax error (an unterminated quoted field in a truncated file,
 * say) is caught: records are read in chunks inside a subtransaction,
 * the records before the error are kept, and the broken record is
 * quarantined with the parser's message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/copy.h"
#include "commands/copyfrom_internal.h"
#include "commands/progress.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/varlena.h"

#include "load.h"
#include "notation.h"
#include "racing.h"

PG_FUNCTION_INFO_V1(load_rpscrape_file);
PG_FUNCTION_INFO_V1(load_rpscrape_data);
PG_FUNCTION_INFO_V1(load_nascar_file);
PG_FUNCTION_INFO_V1(load_nascar_data);

/* records read per subtransaction */
#define CSV_CHUNK_RECORDS 1000

/* What a CSV column means; one entry per known header name. */
typedef enum CsvField
{
	/* rpscrape */
	F_DATE, F_REGION, F_COURSE, F_OFF, F_RACE_NAME, F_TYPE, F_CLASS,
	F_PATTERN, F_RATING_BAND, F_AGE_BAND, F_SEX_REST, F_DIST, F_DIST_F,
	F_DIST_M, F_DIST_Y, F_GOING, F_SURFACE, F_RAN, F_NUM, F_POS, F_DRAW,
	F_OVR_BTN, F_BTN, F_HORSE, F_AGE, F_SEX, F_LBS, F_WGT, F_HG, F_TIME,
	F_SECS, F_DEC, F_SP, F_JOCKEY, F_TRAINER, F_PRIZE, F_OR, F_RPR, F_TS,
	F_SIRE, F_DAM, F_DAMSIRE, F_OWNER, F_COMMENT, F_RACE_ID, F_HORSE_ID,
	F_JOCKEY_ID, F_TRAINER_ID,
	/* nascaR.data */
	F_SEASON, F_RACE, F_TRACK, F_NAME, F_LENGTH, F_NSURFACE, F_FINISH,
	F_START, F_CAR, F_DRIVER, F_MAKE, F_PTS, F_LAPS, F_LED, F_STATUS,
	F_TEAM, F_S1, F_S2, F_S3, F_RATING, F_WIN, F_SEG_POINTS,
	F_NFIELDS
} CsvField;

typedef struct HeaderName
{
	const char *name;			/* lower case */
	CsvField	field;
} HeaderName;

static const HeaderName rpscrape_names[] = {
	{"date", F_DATE}, {"region", F_REGION}, {"course", F_COURSE},
	{"off", F_OFF}, {"race_name", F_RACE_NAME}, {"name", F_RACE_NAME},
	{"type", F_TYPE}, {"class", F_CLASS}, {"pattern", F_PATTERN},
	{"rating_band", F_RATING_BAND}, {"age_band", F_AGE_BAND},
	{"sex_rest", F_SEX_REST}, {"dist", F_DIST}, {"dist_f", F_DIST_F},
	{"dist_m", F_DIST_M}, {"dist_y", F_DIST_Y}, {"going", F_GOING},
	{"surface", F_SURFACE}, {"ran", F_RAN}, {"num", F_NUM},
	{"pos", F_POS}, {"draw", F_DRAW}, {"ovr_btn", F_OVR_BTN},
	{"btn", F_BTN}, {"horse", F_HORSE}, {"age", F_AGE}, {"sex", F_SEX},
	{"lbs", F_LBS}, {"wgt", F_WGT}, {"hg", F_HG}, {"time", F_TIME},
	{"secs", F_SECS}, {"dec", F_DEC}, {"sp", F_SP}, {"jockey", F_JOCKEY},
	{"trainer", F_TRAINER}, {"prize", F_PRIZE}, {"or", F_OR},
	{"rpr", F_RPR}, {"ts", F_TS}, {"sire", F_SIRE}, {"dam", F_DAM},
	{"damsire", F_DAMSIRE}, {"owner", F_OWNER}, {"comment", F_COMMENT},
	{"race_id", F_RACE_ID}, {"horse_id", F_HORSE_ID},
	{"jockey_id", F_JOCKEY_ID}, {"trainer_id", F_TRAINER_ID},
	{NULL, F_NFIELDS}
};

static const HeaderName nascar_names[] = {
	{"season", F_SEASON}, {"race", F_RACE}, {"track", F_TRACK},
	{"name", F_NAME}, {"length", F_LENGTH}, {"surface", F_NSURFACE},
	{"finish", F_FINISH}, {"fin", F_FINISH}, {"pos", F_FINISH},
	{"start", F_START}, {"st", F_START}, {"car", F_CAR}, {"#", F_CAR},
	{"car_number", F_CAR}, {"driver", F_DRIVER}, {"make", F_MAKE},
	{"pts", F_PTS}, {"points", F_PTS}, {"laps", F_LAPS}, {"led", F_LED},
	{"laps_led", F_LED}, {"status", F_STATUS}, {"team", F_TEAM},
	{"s1", F_S1}, {"s2", F_S2}, {"s3", F_S3}, {"rating", F_RATING},
	{"win", F_WIN}, {"seg points", F_SEG_POINTS},
	{"seg_points", F_SEG_POINTS},
	{NULL, F_NFIELDS}
};

static const CsvField rpscrape_keys[] = {F_DATE, F_COURSE, F_OFF, F_HORSE};
static const char *const rpscrape_key_names[] = {"date", "course", "off", "horse"};
static const CsvField nascar_keys[] = {F_SEASON, F_RACE, F_TRACK, F_DRIVER, F_CAR};
static const char *const nascar_key_names[] = {"Season", "Race", "Track", "Driver", "Car"};

/* One record as read: copies of the raw fields, before any parsing. */
typedef struct CsvRecord
{
	int64		line_no;
	int			nfields;
	char	  **fields;
} CsvRecord;

/* State of one CSV load. */
typedef struct CsvLoad
{
	LoadBatch  *batch;
	LoadSport	sport;
	const char *series;
	int			nheader;
	char	  **header;			/* header names as written */
	int			colmap[F_NFIELDS];	/* field -> column index, or -1 */
	int			nmapped;
	int			fallback_encoding;	/* -1 when none */
	MemoryContext chunk_cxt;	/* records of the chunk being processed */
} CsvLoad;

/*
 * Where COPY reads from: a server-side file or the bytes of a bytea.
 * COPY always reads through a callback (copy_data_source_cb has no
 * argument, hence the static pointer), so that reading can start again at
 * any line after a CSV syntax error.
 */
typedef struct CsvSource
{
	FILE	   *file;			/* server-side file, or NULL */
	const char *mem;			/* else the bytes in memory */
	int64		len;			/* total bytes */
	int64		total_lines;	/* physical lines, a last one without \n too */
	int64		read_pos;		/* next byte COPY gets, for memory */
	/* a known line start, for seeking forward */
	int64		cursor_line;
	int64		cursor_offset;
} CsvSource;

static CsvSource *csv_source = NULL;

/*
 * copy_data_source_cb over the current source.
 */
static int
source_read(void *outbuf, int minread, int maxread)
{
	CsvSource  *src = csv_source;

	if (src->file)
		return (int) fread(outbuf, 1, maxread, src->file);
	else
	{
		int64		n = Min((int64) maxread, src->len - src->read_pos);

		if (n <= 0)
			return 0;
		memcpy(outbuf, src->mem + src->read_pos, n);
		src->read_pos += n;
		return (int) n;
	}
}

/*
 * Byte offset where physical line "line" (1-based) starts, scanning
 * forward from the cursor; -1 past the end.  Moves the cursor there.
 */
static int64
source_line_offset(CsvSource *src, int64 line)
{
	int64		off;
	int64		l;
	char		buf[65536];

	if (line < src->cursor_line)
	{
		src->cursor_line = 1;
		src->cursor_offset = 0;
	}
	l = src->cursor_line;
	off = src->cursor_offset;
	if (src->file && fseeko(src->file, off, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in input: %m")));
	while (l < line && off < src->len)
	{
		size_t		n;
		size_t		i;
		const char *p;

		if (src->file)
		{
			n = fread(buf, 1, sizeof(buf), src->file);
			p = buf;
		}
		else
		{
			n = (size_t) Min((int64) sizeof(buf), src->len - off);
			p = src->mem + off;
		}
		if (n == 0)
			break;
		for (i = 0; i < n && l < line; i++)
		{
			if (p[i] == '\n')
			{
				l++;
				if (l == line)
				{
					off += i + 1;
					break;
				}
			}
		}
		if (l < line)
			off += n;
	}
	if (l < line || off >= src->len)
		return -1;
	src->cursor_line = l;
	src->cursor_offset = off;
	return off;
}

/*
 * Position the source so that COPY reads from the start of "line".
 */
static bool
source_seek_line(CsvSource *src, int64 line)
{
	int64		off = source_line_offset(src, line);

	if (off < 0)
		return false;
	if (src->file && fseeko(src->file, off, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in input: %m")));
	src->read_pos = off;
	return true;
}

/*
 * The text of one physical line, at most 64 kB of it, for the quarantine.
 */
static char *
source_line_text(CsvSource *src, int64 line)
{
	StringInfoData buf;
	int64		off = source_line_offset(src, line);
	int			c;

	initStringInfo(&buf);
	if (off < 0)
		return buf.data;
	if (src->file)
	{
		if (fseeko(src->file, off, SEEK_SET) != 0)
			return buf.data;
		while ((c = fgetc(src->file)) != EOF && c != '\n' && buf.len < 65536)
			appendStringInfoChar(&buf, (char) c);
	}
	else
	{
		int64		i;

		for (i = off; i < src->len && src->mem[i] != '\n' && buf.len < 65536; i++)
			appendStringInfoChar(&buf, src->mem[i]);
	}
	if (buf.len > 0 && buf.data[buf.len - 1] == '\r')
		buf.data[--buf.len] = '\0';
	return buf.data;
}

/*
 * Refuse input that cannot be CSV text: empty, or holding NUL bytes.
 * Names the line and column of the first NUL.
 */
static void
check_text_input(const char *source, const char *buf, size_t len,
				 int64 *line, int64 *col, bool *found_nul)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (buf[i] == '\n')
		{
			(*line)++;
			*col = 0;
		}
		else
			(*col)++;
		if (buf[i] == '\0')
		{
			*found_nul = true;
			return;
		}
	}
}

static void
report_nul(const char *source, int64 line, int64 col)
{
	ereport(ERROR,
			(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
			 errmsg("file \"%s\" is not a CSV text file", source),
			 errdetail("A NUL byte was found at line %lld, column %lld.",
					   (long long) line, (long long) col),
			 errhint("Load the CSV text that rpscrape or nascaR.data writes, not a binary or compressed file.")));
}

/*
 * Open a server-side file after checking it: it must exist, be a regular
 * file, be non-empty and hold no NUL byte.  Fills the source.
 */
static void
open_file_source(const char *path, CsvSource *src)
{
	struct stat st;
	FILE	   *f;
	char		buf[65536];
	size_t		n;
	int64		line = 1;
	int64		col = 0;
	bool		nul = false;
	int64		len = 0;
	char		last = '\n';

	if (stat(path, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path),
				 errhint("The path is read by the server process; give an absolute path on the database server, or load from the client with the racing.load_*_data functions.")));
	if (S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a directory", path),
				 errhint("Give the path of a CSV file.")));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a regular file", path),
				 errhint("Load a CSV file; devices, pipes and sockets cannot be read.")));
	if (st.st_size == 0)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("file \"%s\" is empty", path),
				 errhint("A results file starts with a header line naming its columns.")));

	f = AllocateFile(path, PG_BINARY_R);
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path),
				 errhint("The file must be readable by the operating-system user the database server runs as.")));
	while (!nul && (n = fread(buf, 1, sizeof(buf), f)) > 0)
	{
		check_text_input(path, buf, n, &line, &col, &nul);
		len += n;
		last = buf[n - 1];
	}
	if (nul)
	{
		FreeFile(f);
		report_nul(path, line, col);
	}
	src->file = f;
	src->mem = NULL;
	src->len = len;
	src->total_lines = line - (last == '\n' ? 1 : 0);
	src->cursor_line = 1;
	src->cursor_offset = 0;
	if (fseeko(f, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in file \"%s\": %m", path)));
}

/*
 * The header as one line for messages, escaped and cut at 200 bytes.
 */
static char *
header_text(char **fields, int nfields)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < nfields && buf.len < 200; i++)
		appendStringInfo(&buf, "%s%s", i ? "," : "", fields[i] ? fields[i] : "");
	if (buf.len > 200)
		buf.len = 200;
	return load_escape_bytes(buf.data, buf.len);
}

/*
 * Map the header to known fields and check the key columns.
 */
static void
map_header(CsvLoad *csv, char **fields, int nfields, const char *source)
{
	const HeaderName *names = csv->sport == SPORT_HORSE ? rpscrape_names : nascar_names;
	const CsvField *keys = csv->sport == SPORT_HORSE ? rpscrape_keys : nascar_keys;
	const char *const *keynames = csv->sport == SPORT_HORSE ? rpscrape_key_names : nascar_key_names;
	int			nkeys = csv->sport == SPORT_HORSE ? lengthof(rpscrape_keys) : lengthof(nascar_keys);
	StringInfoData missing;
	int			i;
	int			k;

	for (i = 0; i < F_NFIELDS; i++)
		csv->colmap[i] = -1;
	csv->nheader = nfields;
	csv->header = palloc(sizeof(char *) * nfields);
	csv->nmapped = 0;

	for (i = 0; i < nfields; i++)
	{
		char	   *h = fields[i] ? pstrdup(fields[i]) : pstrdup("");
		char	   *lower;
		int			j;

		/* a UTF-8 byte order mark before the first name */
		if (i == 0 && strncmp(h, "\xEF\xBB\xBF", 3) == 0)
			h += 3;
		csv->header[i] = h;
		lower = TextDatumGetCString(DirectFunctionCall1(btrim1,
														CStringGetTextDatum(h)));
		for (j = 0; lower[j]; j++)
			lower[j] = pg_ascii_tolower((unsigned char) lower[j]);
		for (j = 0; names[j].name != NULL; j++)
		{
			if (strcmp(lower, names[j].name) != 0)
				continue;
			if (csv->colmap[names[j].field] >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
						 errmsg("file \"%s\" names column \"%s\" twice", source,
								csv->header[csv->colmap[names[j].field]]),
						 errdetail("Columns %d and %d of the header (line 1) mean the same field.",
								   csv->colmap[names[j].field] + 1, i + 1),
						 errhint("Remove or rename one of them; columns are matched by name.")));
			csv->colmap[names[j].field] = i;
			csv->nmapped++;
			break;
		}
	}

	initStringInfo(&missing);
	for (k = 0; k < nkeys; k++)
	{
		if (csv->colmap[keys[k]] < 0)
			appendStringInfo(&missing, "%s%s", missing.len ? ", " : "",
							 keynames[k]);
	}
	if (missing.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("file \"%s\" lacks required columns: %s",
						source, missing.data),
				 errdetail("Line 1 is the header: \"%s\".", header_text(fields, nfields)),
				 errhint(csv->sport == SPORT_HORSE ?
						 "An rpscrape results file needs at least date, course, off and horse; columns are matched by header name in any order." :
						 "A nascaR.data file needs at least Season, Race, Track, Driver and Car (or #); columns are matched by header name in any order.")));
}

/*
 * Tell the load which result columns this file does not carry, so an
 * update of an existing entry keeps their stored values.
 */
static void
mark_absent_columns(CsvLoad *csv)
{
	bool	   *absent = csv->batch->absent;
	int		   *m = csv->colmap;

	if (csv->sport == SPORT_HORSE)
	{
		absent[H_POS_TEXT] = absent[H_POSITION] = absent[H_FINISHED] =
			absent[H_DEAD_HEAT] = absent[H_POS_CODE] = m[F_POS] < 0;
		absent[H_OVR_BTN] = m[F_OVR_BTN] < 0;
		absent[H_BTN] = m[F_BTN] < 0;
		absent[H_TIME_SECS] = m[F_SECS] < 0 && m[F_TIME] < 0;
		absent[H_PRIZE] = absent[H_PRIZE_CURRENCY] = m[F_PRIZE] < 0;
		absent[H_RPR] = m[F_RPR] < 0;
		absent[H_TS] = m[F_TS] < 0;
		absent[H_COMMENT] = m[F_COMMENT] < 0;
	}
	else
	{
		absent[N_FINISH] = m[F_FINISH] < 0;
		absent[N_POINTS] = m[F_PTS] < 0;
		absent[N_LAPS] = m[F_LAPS] < 0;
		absent[N_LED] = m[F_LED] < 0;
		absent[N_STATUS] = absent[N_STATUS_CATEGORY] = m[F_STATUS] < 0;
		absent[N_STAGE1] = m[F_S1] < 0;
		absent[N_STAGE2] = m[F_S2] < 0;
		absent[N_STAGE3] = m[F_S3] < 0;
		absent[N_RATING] = m[F_RATING] < 0;
		absent[N_WIN] = m[F_WIN] < 0 && m[F_FINISH] < 0;
		absent[N_SEG_POINTS] = m[F_SEG_POINTS] < 0;
	}
}

/* raw text of a field, or NULL when the column is absent */
static inline const char *
field(CsvLoad *csv, CsvRecord *rec, CsvField f)
{
	int			i = csv->colmap[f];

	if (i < 0 || i >= rec->nfields)
		return NULL;
	return rec->fields[i];
}

/* trimmed copy of a text field; NULL for a missing marker */
static bool
set_text(LoadRow *row, int col, const char *s)
{
	char	   *t;
	int			len;

	if (s == NULL || notation_is_missing(s))
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	t = pstrdup(s);
	len = strlen(t);
	while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\r'))
		t[--len] = '\0';
	row->values[col] = CStringGetTextDatum(t);
	row->nulls[col] = false;
	return true;
}

/* Outcome of parsing one field. */
typedef struct ParseError
{
	const char *column;
	char	   *message;
} ParseError;

#define PARSE_FAIL(colname, ...) \
	do { err->column = (colname); err->message = psprintf(__VA_ARGS__); return false; } while (0)

static bool
set_int(LoadRow *row, int col, const char *s, const char *name, ParseError *err)
{
	int			v;
	NotationResult r;

	if (s == NULL)
		return true;
	r = notation_parse_int(s, &v);
	if (r == NOTATION_INVALID)
		PARSE_FAIL(name, "column \"%s\": \"%s\" is not a whole number of at most 9 digits", name, s);
	if (r == NOTATION_OK)
	{
		row->values[col] = Int32GetDatum(v);
		row->nulls[col] = false;
	}
	return true;
}

static bool
set_int8(LoadRow *row, int col, const char *s, const char *name, ParseError *err)
{
	double		v;
	NotationResult r;

	if (s == NULL)
		return true;
	r = notation_parse_number(s, &v);
	if (r == NOTATION_INVALID || (r == NOTATION_OK && (v != floor(v) || v < 0 || v > 9e15)))
		PARSE_FAIL(name, "column \"%s\": \"%s\" is not an identifier", name, s);
	if (r == NOTATION_OK)
	{
		row->values[col] = Int64GetDatum((int64) v);
		row->nulls[col] = false;
	}
	return true;
}

static bool
set_number(LoadRow *row, int col, const char *s, const char *name, ParseError *err)
{
	double		v;
	NotationResult r;

	if (s == NULL)
		return true;
	r = notation_parse_number(s, &v);
	if (r == NOTATION_INVALID)
		PARSE_FAIL(name, "column \"%s\": \"%s\" is not a number", name, s);
	if (r == NOTATION_OK)
	{
		row->values[col] = Float8GetDatum(v);
		row->nulls[col] = false;
	}
	return true;
}

/*
 * Parse "YYYY-MM-DD" without raising an error.
 */
static bool
parse_iso_date(const char *s, DateADT *result)
{
	int			y,
				m,
				d;
	char		extra;

	while (*s == ' ')
		s++;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) < 3)
		return false;
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
		d > day_tab[isleap(y)][m - 1])
		return false;
	*result = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	return true;
}

/*
 * Turn an rpscrape record into a row.  Returns false with err set when a
 * field does not parse.
 */
static bool
rpscrape_row(CsvLoad *csv, CsvRecord *rec, LoadRow *row, ParseError *err)
{
	const char *s;
	DateADT		date;
	int			minutes;
	int			v;
	double		d;
	NotationResult r;
	char	   *course = NULL;

	/* race */
	s = field(csv, rec, F_DATE);
	if (s == NULL || notation_is_missing(s))
		PARSE_FAIL("date", "column \"date\" is empty; it is part of the race key");
	if (!parse_iso_date(s, &date))
		PARSE_FAIL("date", "column \"date\": \"%s\" is not a date YYYY-MM-DD between 1900 and 2200", s);
	row->values[H_RACE_DATE] = DateADTGetDatum(date);
	row->nulls[H_RACE_DATE] = false;

	if (!set_text(row, H_COURSE, field(csv, rec, F_COURSE)))
		PARSE_FAIL("course", "column \"course\" is empty; it is part of the race key");
	course = TextDatumGetCString(row->values[H_COURSE]);

	s = field(csv, rec, F_OFF);
	r = s ? notation_parse_off_time(s, true, &minutes) : NOTATION_MISSING;
	if (r == NOTATION_MISSING)
		PARSE_FAIL("off", "column \"off\" is empty; it is part of the race key");
	if (r == NOTATION_INVALID)
		PARSE_FAIL("off", "column \"off\": \"%s\" is not an off time such as 1:05 or 13:05", s);
	row->values[H_OFF_TIME] = TimeADTGetDatum((TimeADT) minutes * 60 * USECS_PER_SEC);
	row->nulls[H_OFF_TIME] = false;

	set_text(row, H_REGION, field(csv, rec, F_REGION));
	set_text(row, H_RACE_NAME, field(csv, rec, F_RACE_NAME));
	set_text(row, H_RACE_TYPE, field(csv, rec, F_TYPE));
	set_text(row, H_RACE_CLASS, field(csv, rec, F_CLASS));
	set_text(row, H_PATTERN, field(csv, rec, F_PATTERN));
	set_text(row, H_RATING_BAND, field(csv, rec, F_RATING_BAND));
	set_text(row, H_AGE_BAND, field(csv, rec, F_AGE_BAND));
	set_text(row, H_SEX_REST, field(csv, rec, F_SEX_REST));

	s = field(csv, rec, F_DIST);
	if (set_text(row, H_DIST_TEXT, s))
	{
		r = notation_parse_distance(s, &v);
		if (r == NOTATION_INVALID)
			PARSE_FAIL("dist", "column \"dist\": \"%s\" is not a distance such as 1m2½f or 2m4f110y", s);
		row->values[H_DIST_YARDS] = Int32GetDatum(v);
		row->nulls[H_DIST_YARDS] = false;
	}
	s = field(csv, rec, F_DIST_Y);
	if (row->nulls[H_DIST_YARDS] && !set_int(row, H_DIST_YARDS, s, "dist_y", err))
		return false;
	s = field(csv, rec, F_DIST_F);
	if (s && notation_parse_distance(s, &v) == NOTATION_OK)
	{
		row->values[H_DIST_F] = Float8GetDatum(v / 220.0);
		row->nulls[H_DIST_F] = false;
	}
	else if (s && !notation_is_missing(s))
	{
		if (!set_number(row, H_DIST_F, s, "dist_f", err))
			return false;
	}
	if (row->nulls[H_DIST_F] && !row->nulls[H_DIST_YARDS])
	{
		row->values[H_DIST_F] = Float8GetDatum(DatumGetInt32(row->values[H_DIST_YARDS]) / 220.0);
		row->nulls[H_DIST_F] = false;
	}
	if (row->nulls[H_DIST_YARDS] && !row->nulls[H_DIST_F])
	{
		row->values[H_DIST_YARDS] = Int32GetDatum((int32) rint(DatumGetFloat8(row->values[H_DIST_F]) * 220.0));
		row->nulls[H_DIST_YARDS] = false;
	}
	if (!set_int(row, H_DIST_M, field(csv, rec, F_DIST_M), "dist_m", err))
		return false;

	if (set_text(row, H_GOING, field(csv, rec, F_GOING)))
	{
		const char *g = notation_going_group(TextDatumGetCString(row->values[H_GOING]));

		if (g)
		{
			row->values[H_GOING_GROUP] = CStringGetTextDatum(g);
			row->nulls[H_GOING_GROUP] = false;
		}
	}
	if (!set_text(row, H_SURFACE, field(csv, rec, F_SURFACE)))
	{
		row->values[H_SURFACE] = CStringGetTextDatum(strstr(course, "(AW)") ? "AW" : "Turf");
		row->nulls[H_SURFACE] = false;
	}
	if (!set_int(row, H_RAN, field(csv, rec, F_RAN), "ran", err))
		return false;
	row->values[H_RACE_STATUS] = CStringGetTextDatum(csv->colmap[F_POS] >= 0 ? "result" : "declared");
	row->nulls[H_RACE_STATUS] = false;
	if (!set_int8(row, H_RP_RACE_ID, field(csv, rec, F_RACE_ID), "race_id", err))
		return false;

	/* runner, pre-race */
	if (!set_text(row, H_HORSE, field(csv, rec, F_HORSE)))
		PARSE_FAIL("horse", "column \"horse\" is empty; it is part of the runner key");
	if (!set_int(row, H_NUM, field(csv, rec, F_NUM), "num", err) ||
		!set_int(row, H_DRAW, field(csv, rec, F_DRAW), "draw", err) ||
		!set_int(row, H_AGE, field(csv, rec, F_AGE), "age", err))
		return false;
	set_text(row, H_SEX, field(csv, rec, F_SEX));

	s = field(csv, rec, F_LBS);
	if (!set_int(row, H_LBS, s, "lbs", err))
		return false;
	s = field(csv, rec, F_WGT);
	if (s && row->nulls[H_LBS])
	{
		r = notation_parse_weight(s, &v);
		if (r == NOTATION_INVALID)
			PARSE_FAIL("wgt", "column \"wgt\": \"%s\" is not a weight such as 11-7", s);
		if (r == NOTATION_OK)
		{
			row->values[H_LBS] = Int32GetDatum(v);
			row->nulls[H_LBS] = false;
		}
	}
	set_text(row, H_HEADGEAR, field(csv, rec, F_HG));
	set_text(row, H_JOCKEY, field(csv, rec, F_JOCKEY));
	set_text(row, H_TRAINER, field(csv, rec, F_TRAINER));
	set_text(row, H_OWNER, field(csv, rec, F_OWNER));
	if (!set_int(row, H_OFFICIAL_RATING, field(csv, rec, F_OR), "or", err))
		return false;
	set_text(row, H_SIRE, field(csv, rec, F_SIRE));
	set_text(row, H_DAM, field(csv, rec, F_DAM));
	set_text(row, H_DAMSIRE, field(csv, rec, F_DAMSIRE));
	if (!set_int8(row, H_RP_HORSE_ID, field(csv, rec, F_HORSE_ID), "horse_id", err) ||
		!set_int8(row, H_RP_JOCKEY_ID, field(csv, rec, F_JOCKEY_ID), "jockey_id", err) ||
		!set_int8(row, H_RP_TRAINER_ID, field(csv, rec, F_TRAINER_ID), "trainer_id", err))
		return false;
	row->values[H_NON_RUNNER] = BoolGetDatum(false);
	row->nulls[H_NON_RUNNER] = false;

	/* starting price: decimal column first, then the fractional one */
	if (!set_number(row, H_SP_DECIMAL, field(csv, rec, F_DEC), "dec", err))
		return false;
	s = field(csv, rec, F_SP);
	if (s)
	{
		char		fav = '\0';

		r = notation_parse_odds(s, &d, &fav);
		if (r == NOTATION_INVALID)
			PARSE_FAIL("sp", "column \"sp\": \"%s\" is not a price such as 9/4F or Evens", s);
		if (r == NOTATION_OK)
		{
			if (row->nulls[H_SP_DECIMAL])
			{
				row->values[H_SP_DECIMAL] = Float8GetDatum(d);
				row->nulls[H_SP_DECIMAL] = false;
			}
			if (fav)
			{
				char		f[2] = {fav, '\0'};

				row->values[H_SP_FAVOURITE] = CStringGetTextDatum(f);
				row->nulls[H_SP_FAVOURITE] = false;
			}
		}
	}

	/* result */
	s = field(csv, rec, F_POS);
	if (s && set_text(row, H_POS_TEXT, s))
	{
		int			pos;
		bool		finished;
		bool		dead_heat;
		char		code[NOTATION_POSCODE_LEN];

		if (pg_strcasecmp(TextDatumGetCString(row->values[H_POS_TEXT]), "NR") == 0)
		{
			row->values[H_NON_RUNNER] = BoolGetDatum(true);
			row->values[H_FINISHED] = BoolGetDatum(false);
			row->nulls[H_FINISHED] = false;
			row->values[H_POS_CODE] = CStringGetTextDatum("NR");
			row->nulls[H_POS_CODE] = false;
		}
		else
		{
			code[0] = '\0';
			r = notation_parse_position(s, &pos, &finished, &dead_heat, code);
			if (r != NOTATION_OK)
				PARSE_FAIL("pos", "column \"pos\": \"%s\" is not a position (a number, 1= for a dead heat, or a code such as PU, F, UR, DSQ)", s);
			if (finished)
			{
				row->values[H_POSITION] = Int32GetDatum(pos);
				row->nulls[H_POSITION] = false;
			}
			row->values[H_FINISHED] = BoolGetDatum(finished);
			row->nulls[H_FINISHED] = false;
			row->values[H_DEAD_HEAT] = BoolGetDatum(dead_heat);
			row->nulls[H_DEAD_HEAT] = false;
			if (code[0])
			{
				row->values[H_POS_CODE] = CStringGetTextDatum(code);
				row->nulls[H_POS_CODE] = false;
			}
		}
		row->values[H_HAS_RESULT] = BoolGetDatum(true);
		row->nulls[H_HAS_RESULT] = false;
	}
	else
	{
		row->values[H_HAS_RESULT] = BoolGetDatum(false);
		row->nulls[H_HAS_RESULT] = false;
	}

	s = field(csv, rec, F_OVR_BTN);
	if (s && (r = notation_parse_margin(s, &d)) != NOTATION_MISSING)
	{
		if (r == NOTATION_INVALID)
			PARSE_FAIL("ovr_btn", "column \"ovr_btn\": \"%s\" is not a margin such as 1.5, nk or shd", s);
		row->values[H_OVR_BTN] = Float8GetDatum(d);
		row->nulls[H_OVR_BTN] = false;
	}
	s = field(csv, rec, F_BTN);
	if (s && (r = notation_parse_margin(s, &d)) != NOTATION_MISSING)
	{
		if (r == NOTATION_INVALID)
			PARSE_FAIL("btn", "column \"btn\": \"%s\" is not a margin such as 1.5, nk or shd", s);
		row->values[H_BTN] = Float8GetDatum(d);
		row->nulls[H_BTN] = false;
	}
	if (!set_number(row, H_TIME_SECS, field(csv, rec, F_SECS), "secs", err))
		return false;
	s = field(csv, rec, F_TIME);
	if (s && (r = notation_parse_race_time(s, &d)) != NOTATION_MISSING)
	{
		if (r == NOTATION_INVALID)
			PARSE_FAIL("time", "column \"time\": \"%s\" is not a time such as 1:4.85", s);
		if (row->nulls[H_TIME_SECS])
		{
			row->values[H_TIME_SECS] = Float8GetDatum(d);
			row->nulls[H_TIME_SECS] = false;
		}
	}
	s = field(csv, rec, F_PRIZE);
	if (s)
	{
		char		currency[4];

		r = notation_parse_prize(s, "GBP", &d, currency);
		if (r == NOTATION_INVALID)
			PARSE_FAIL("prize", "column \"prize\": \"%s\" is not a prize such as 8053.52 or €6195", s);
		if (r == NOTATION_OK)
		{
			row->values[H_PRIZE] = Float8GetDatum(d);
			row->nulls[H_PRIZE] = false;
			row->values[H_PRIZE_CURRENCY] = CStringGetTextDatum(currency);
			row->nulls[H_PRIZE_CURRENCY] = false;
		}
	}
	if (!set_int(row, H_RPR, field(csv, rec, F_RPR), "rpr", err) ||
		!set_int(row, H_TS, field(csv, rec, F_TS), "ts", err))
		return false;
	set_text(row, H_COMMENT, field(csv, rec, F_COMMENT));
	return true;
}

/*
 * Turn a nascaR.data record into a row.
 */
static bool
nascar_row(CsvLoad *csv, CsvRecord *rec, LoadRow *row, ParseError *err)
{
	const char *s;

	row->values[N_SERIES] = CStringGetTextDatum(csv->series);
	row->nulls[N_SERIES] = false;
	if (!set_int(row, N_SEASON, field(csv, rec, F_SEASON), "Season", err) ||
		!set_int(row, N_RACE_NUM, field(csv, rec, F_RACE), "Race", err))
		return false;
	if (row->nulls[N_SEASON])
		PARSE_FAIL("Season", "column \"Season\" is empty; it is part of the race key");
	if (row->nulls[N_RACE_NUM])
		PARSE_FAIL("Race", "column \"Race\" is empty; it is part of the race key");
	if (!set_text(row, N_TRACK, field(csv, rec, F_TRACK)))
		PARSE_FAIL("Track", "column \"Track\" is empty");
	set_text(row, N_RACE_NAME, field(csv, rec, F_NAME));
	if (!set_number(row, N_LENGTH, field(csv, rec, F_LENGTH), "Length", err))
		return false;
	set_text(row, N_SURFACE, field(csv, rec, F_NSURFACE));
	row->values[N_RACE_STATUS] = CStringGetTextDatum("result");
	row->nulls[N_RACE_STATUS] = false;

	if (!set_text(row, N_DRIVER, field(csv, rec, F_DRIVER)))
		PARSE_FAIL("Driver", "column \"Driver\" is empty; it is part of the entry key");
	if (!set_text(row, N_CAR, field(csv, rec, F_CAR)))
		PARSE_FAIL("Car", "column \"Car\" is empty; it is part of the entry key");
	set_text(row, N_TEAM, field(csv, rec, F_TEAM));
	set_text(row, N_MAKE, field(csv, rec, F_MAKE));
	if (!set_int(row, N_START, field(csv, rec, F_START), "Start", err))
		return false;
	row->values[N_SCRATCHED] = BoolGetDatum(false);
	row->nulls[N_SCRATCHED] = false;

	if (!set_int(row, N_FINISH, field(csv, rec, F_FINISH), "Finish", err) ||
		!set_int(row, N_POINTS, field(csv, rec, F_PTS), "Pts", err) ||
		!set_int(row, N_LAPS, field(csv, rec, F_LAPS), "Laps", err) ||
		!set_int(row, N_LED, field(csv, rec, F_LED), "Led", err) ||
		!set_int(row, N_STAGE1, field(csv, rec, F_S1), "S1", err) ||
		!set_int(row, N_STAGE2, field(csv, rec, F_S2), "S2", err) ||
		!set_int(row, N_STAGE3, field(csv, rec, F_S3), "S3", err) ||
		!set_number(row, N_RATING, field(csv, rec, F_RATING), "Rating", err) ||
		!set_int(row, N_SEG_POINTS, field(csv, rec, F_SEG_POINTS), "Seg Points", err))
		return false;
	if (set_text(row, N_STATUS, field(csv, rec, F_STATUS)))
	{
		const char *cat = notation_nascar_status_category(TextDatumGetCString(row->values[N_STATUS]));

		if (cat)
		{
			row->values[N_STATUS_CATEGORY] = CStringGetTextDatum(cat);
			row->nulls[N_STATUS_CATEGORY] = false;
		}
	}
	s = field(csv, rec, F_WIN);
	if (s && !notation_is_missing(s))
	{
		double		w;

		if (notation_parse_number(s, &w) == NOTATION_OK && (w == 0 || w == 1))
			row->values[N_WIN] = BoolGetDatum(w == 1);
		else if (pg_strcasecmp(s, "true") == 0 || pg_strcasecmp(s, "false") == 0)
			row->values[N_WIN] = BoolGetDatum(pg_strcasecmp(s, "true") == 0);
		else
			PARSE_FAIL("Win", "column \"Win\": \"%s\" is not 1 or 0", s);
		row->nulls[N_WIN] = false;
	}
	else if (!row->nulls[N_FINISH])
	{
		row->values[N_WIN] = BoolGetDatum(DatumGetInt32(row->values[N_FINISH]) == 1);
		row->nulls[N_WIN] = false;
	}
	row->values[N_HAS_RESULT] = BoolGetDatum(!row->nulls[N_FINISH]);
	row->nulls[N_HAS_RESULT] = false;
	return true;
}

/*
 * Check a field for valid UTF-8, transcoding it from the fallback
 * encoding when one is set.  Returns false when the field stays invalid;
 * *offset is then the byte offset of the first bad byte.
 */
static bool
fix_encoding(CsvLoad *csv, char **fieldp, int *offset)
{
	char	   *s = *fieldp;
	int			len = strlen(s);
	int			valid = pg_encoding_verifymbstr(PG_UTF8, s, len);

	if (valid == len)
		return true;
	*offset = valid;
	if (csv->fallback_encoding >= 0)
	{
		Oid			proc = FindDefaultConversionProc(csv->fallback_encoding, PG_UTF8);

		if (OidIsValid(proc))
		{
			unsigned char *dest = palloc(len * MAX_CONVERSION_GROWTH + 1);
			int			done;

			done = pg_do_encoding_conversion_buf(proc, csv->fallback_encoding,
												 PG_UTF8,
												 (unsigned char *) s, len,
												 dest, len * MAX_CONVERSION_GROWTH + 1,
												 true);
			if (done == len)
			{
				*fieldp = (char *) dest;
				return true;
			}
		}
	}
	return false;
}

/*
 * Turn one record into a row and hand it to the load, or quarantine it.
 */
static void
process_record(CsvLoad *csv, CsvRecord *rec)
{
	LoadBatch  *batch = csv->batch;
	LoadRow    *row = load_row_new(batch);
	ParseError	err = {NULL, NULL};
	bool		ok;
	int			i;
	int			nmapped = 0;
	int			nfilled = 0;
	MemoryContext old;

	/* the row and its values live with the rows waiting for a flush */
	old = MemoryContextSwitchTo(batch->group_cxt);
	row->line_no = rec->line_no;
	row->nraw = rec->nfields;
	row->raw_names = palloc(sizeof(char *) * Max(rec->nfields, 1));
	row->raw_values = palloc(sizeof(char *) * Max(rec->nfields, 1));
	for (i = 0; i < rec->nfields; i++)
	{
		/* header names live as long as the batch: no copy needed */
		row->raw_names[i] = i < csv->nheader ? csv->header[i] : psprintf("field %d", i + 1);
		row->raw_values[i] = rec->fields[i] ? pstrdup(rec->fields[i]) : NULL;
	}
	rec->fields = row->raw_values;

	if (rec->nfields != csv->nheader)
	{
		load_quarantine_row(batch, row, "field_count", NULL,
							psprintf("line %lld has %d fields but the header has %d%s",
									 (long long) rec->line_no, rec->nfields,
									 csv->nheader,
									 rec->nfields < csv->nheader ?
									 " (a truncated line?)" : ""));
		MemoryContextSwitchTo(old);
		return;
	}

	for (i = 0; i < rec->nfields; i++)
	{
		int			offset;

		if (rec->fields[i] == NULL)
			continue;
		if (!fix_encoding(csv, &rec->fields[i], &offset))
		{
			load_quarantine_row(batch, row, "encoding", csv->header[i],
								psprintf("line %lld, column \"%s\": byte 0x%02X at offset %d is not valid UTF-8 (set racing.fallback_encoding to WIN1252 to transcode cp1252 files)",
										 (long long) rec->line_no, csv->header[i],
										 (unsigned char) rec->fields[i][offset],
										 offset));
			MemoryContextSwitchTo(old);
			return;
		}
	}

	/* completeness: filled values among the recognised columns */
	for (i = 0; i < F_NFIELDS; i++)
	{
		int			c = csv->colmap[i];

		if (c < 0)
			continue;
		nmapped++;
		if (rec->fields[c] && !notation_is_missing(rec->fields[c]))
			nfilled++;
	}
	batch->fields_expected += nmapped;
	batch->fields_filled += nfilled;

	if (csv->sport == SPORT_HORSE)
		ok = rpscrape_row(csv, rec, row, &err);
	else
		ok = nascar_row(csv, rec, row, &err);
	if (!ok)
	{
		load_quarantine_row(batch, row, "parse", err.column,
							psprintf("line %lld, %s", (long long) rec->line_no,
									 err.message));
		MemoryContextSwitchTo(old);
		return;
	}
	MemoryContextSwitchTo(old);
	load_add_row(batch, row);
}

/*
 * Read up to CSV_CHUNK_RECORDS records inside a subtransaction, copying
 * the fields into the chunk context.  *last_line is the physical line the
 * previous record ended on; a record starts on the line after it.  On a
 * CSV syntax error the records read so far are returned, *error holds the
 * parser's message and *eof is set.
 */
static int
read_chunk(CopyFromState cstate, CsvLoad *csv, CsvRecord *recs,
		   int64 line_base, int64 *last_line, char **error, bool *eof)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	MemoryContext rowcxt = csv->chunk_cxt;
	volatile int n = 0;
	volatile int64 runaway = 0;
	volatile int runaway_fields = 0;

	MemoryContextReset(rowcxt);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);

	PG_TRY();
	{
		while (n < CSV_CHUNK_RECORDS)
		{
			char	  **fields;
			int			nfields;
			int			i;
			MemoryContext prev;
			int64		start = *last_line + 1;

			if (!NextCopyFromRawFields(cstate, &fields, &nfields))
			{
				*eof = true;
				break;
			}
			*last_line = line_base + (int64) cstate->cur_lineno;

			/* a blank line is no record */
			if (nfields == 1 && (fields[0] == NULL || fields[0][0] == '\0'))
				continue;

			/*
			 * A record over several lines whose field count is wrong is a
			 * quote left open (a stray quote in an unquoted field) that
			 * swallowed the lines after it: stop before it, so that its
			 * first line is set aside and the next lines are read again.
			 */
			if (*last_line > start && nfields != csv->nheader)
			{
				runaway = start;
				runaway_fields = nfields;
				*last_line = start - 1;
				*eof = true;
				break;
			}

			prev = MemoryContextSwitchTo(rowcxt);
			recs[n].line_no = start;
			recs[n].nfields = nfields;
			recs[n].fields = palloc(sizeof(char *) * Max(nfields, 1));
			for (i = 0; i < nfields; i++)
				recs[n].fields[i] = fields[i] ? pstrdup(fields[i]) : NULL;
			MemoryContextSwitchTo(prev);
			n++;
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (runaway > 0)
			*error = psprintf("a quoted field opened on this line runs over the next lines and makes a record of %d fields, not %d (a stray quote in an unquoted field?)",
							  runaway_fields, csv->nheader);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;

		*error = edata->message;
		*eof = true;
	}
	PG_END_TRY();
	return n;
}

/*
 * Start a COPY parser reading the source from physical line "line".
 */
static CopyFromState
begin_copy_at(Relation rel, CsvSource *src, int64 line)
{
	List	   *options;
	CopyFromState cstate;

	if (!source_seek_line(src, line))
		return NULL;
	options = list_make2(makeDefElem("format", (Node *) makeString("csv"), -1),
						 makeDefElem("encoding", (Node *) makeString("SQL_ASCII"), -1));
	csv_source = src;
	cstate = BeginCopyFrom(make_parsestate(NULL), rel, NULL, NULL, false,
						   source_read, NIL, options);
	pgstat_progress_update_param(PROGRESS_COPY_BYTES_TOTAL, src->len);
	return cstate;
}

/*
 * Load one CSV input: a server-side file (path) or the bytes of a bytea
 * (data).  Returns the report row.
 *
 * Reading goes on after a CSV syntax error: the parser is started again
 * at the record that failed, which a fresh parser often reads (a file
 * whose line ends change from CRLF to LF half-way); when the fresh parser
 * fails on that same record, its first line is quarantined on its own and
 * reading starts again on the next line.  A line holding only \. (which
 * ends COPY input) is quarantined the same way.  So every physical line
 * ends up in a result, a duplicate or the quarantine.
 */
static Datum
csv_load(FunctionCallInfo fcinfo, LoadSport sport, const char *path,
		 bytea *data, const char *source, const char *series)
{
	CsvLoad		csv;
	CsvSource	src;
	Relation	rel;
	CopyFromState cstate;
	char	  **fields;
	int			nfields;
	CsvRecord  *recs;
	Datum		result;
	Oid			relid;
	int64		next_line;

	memset(&csv, 0, sizeof(csv));
	memset(&src, 0, sizeof(src));
	csv.sport = sport;
	csv.series = series;
	csv.fallback_encoding = -1;
	if (racing_fallback_encoding && racing_fallback_encoding[0])
		csv.fallback_encoding = pg_char_to_encoding(racing_fallback_encoding);

	if (path)
	{
		if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to read server file \"%s\"", path),
					 errdetail("Only roles with privileges of the \"pg_read_server_files\" role may load server-side files."),
					 errhint("Load from the client instead: racing.load_rpscrape_data() and racing.load_nascar_data() take the file's bytes, or use psql \\copy into racing.inbox.")));
		open_file_source(path, &src);
	}
	else
	{
		int64		line = 1;
		int64		col = 0;
		bool		nul = false;

		src.mem = VARDATA_ANY(data);
		src.len = VARSIZE_ANY_EXHDR(data);
		if (src.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
					 errmsg("input \"%s\" is empty", source),
					 errhint("A results file starts with a header line naming its columns.")));
		check_text_input(source, src.mem, src.len, &line, &col, &nul);
		if (nul)
			report_nul(source, line, col);
		src.total_lines = line - (src.mem[src.len - 1] == '\n' ? 1 : 0);
		src.cursor_line = 1;
		src.cursor_offset = 0;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "racing: SPI_connect failed");

	relid = get_relname_relid("_copy_target", get_namespace_oid("racing", false));
	if (!OidIsValid(relid))
		elog(ERROR, "racing: table racing._copy_target is missing");
	rel = table_open(relid, AccessShareLock);

	cstate = begin_copy_at(rel, &src, 1);
	csv.batch = load_batch_begin(sport, sport == SPORT_HORSE ? "rpscrape" : "nascar.data",
								 source);

	/* the header, after any blank lines */
	for (;;)
	{
		if (cstate == NULL || !NextCopyFromRawFields(cstate, &fields, &nfields))
		{
			fields = NULL;
			break;
		}
		if (!(nfields == 1 && (fields[0] == NULL || fields[0][0] == '\0')))
			break;
	}
	if (fields == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("file \"%s\" has no header line", source),
				 errhint("A results file starts with a header line naming its columns.")));
	map_header(&csv, fields, nfields, source);
	mark_absent_columns(&csv);
	csv.chunk_cxt = AllocSetContextCreate(CurrentMemoryContext,
										  "racing csv chunk",
										  ALLOCSET_DEFAULT_SIZES);
	recs = palloc(sizeof(CsvRecord) * CSV_CHUNK_RECORDS);

	next_line = (int64) cstate->cur_lineno + 1;
	for (;;)
	{
		int64		line_base;
		int64		last_line;
		char	   *error = NULL;
		bool		eof = false;

		if (cstate == NULL)
			cstate = begin_copy_at(rel, &src, next_line);
		if (cstate == NULL)
			break;				/* nothing left */

		/* COPY counts lines from where it started (the header for the first) */
		line_base = next_line - 1 - (int64) cstate->cur_lineno;
		last_line = next_line - 1;

		while (!eof)
		{
			int			n;
			int			i;

			n = read_chunk(cstate, &csv, recs, line_base, &last_line,
						   &error, &eof);
			for (i = 0; i < n; i++)
				process_record(&csv, &recs[i]);
			load_progress(csv.batch, -1);
		}
		EndCopyFrom(cstate);
		cstate = NULL;

		if (error)
		{
			int64		failed = last_line + 1;

			if (failed == next_line)
			{
				/* a fresh parser fails here too: set the line aside */
				char	   *text = source_line_text(&src, failed);

				load_quarantine(csv.batch, failed, NULL, "csv_syntax", NULL,
								psprintf("line %lld: %s; the line is quarantined on its own and reading goes on at the next line",
										 (long long) failed, error),
								0, NULL, NULL, text);
				next_line = failed + 1;
			}
			else
				next_line = failed;
		}
		else if (last_line < src.total_lines)
		{
			/* COPY stopped early: a line holding only \. */
			int64		stop = last_line + 1;
			char	   *text = source_line_text(&src, stop);

			load_quarantine(csv.batch, stop, NULL, "csv_syntax", NULL,
							psprintf("line %lld: \"%s\" ends COPY input; the line is quarantined and reading goes on at the next line",
									 (long long) stop, text),
							0, NULL, NULL, text);
			next_line = stop + 1;
		}
		else
			break;
		if (next_line > src.total_lines)
			break;
	}

	table_close(rel, AccessShareLock);
	if (src.file)
		FreeFile(src.file);
	csv_source = NULL;

	load_batch_finish(csv.batch);
	result = load_batch_report(csv.batch, fcinfo);
	SPI_finish();
	return result;
}

/*
 * A text argument that must not be NULL.
 */
static char *
text_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * The bytes to load, which must not be NULL.
 */
static bytea *
data_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be null"),
				 errhint("Pass the file's bytes, for example pg_read_binary_file() on the server or a bytea parameter from the client.")));
	return PG_GETARG_BYTEA_PP(0);
}

/*
 * The NASCAR series, folded to lower case: cup, xfinity or truck.
 */
static char *
series_arg(FunctionCallInfo fcinfo, int n)
{
	char	   *s = text_arg(fcinfo, n, "series");
	char	   *t;
	int			i;

	t = TextDatumGetCString(DirectFunctionCall1(btrim1, CStringGetTextDatum(s)));
	for (i = 0; t[i]; i++)
		t[i] = pg_ascii_tolower((unsigned char) t[i]);
	if (strcmp(t, "cup") != 0 && strcmp(t, "xfinity") != 0 &&
		strcmp(t, "truck") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown NASCAR series \"%s\"", s),
				 errhint("Use cup, xfinity or truck.")));
	return t;
}

/*
 * racing.load_rpscrape(path text) returns racing.load_report
 */
Datum
load_rpscrape_file(PG_FUNCTION_ARGS)
{
	char	   *path = text_arg(fcinfo, 0, "path");

	return csv_load(fcinfo, SPORT_HORSE, path, NULL, path, NULL);
}

/*
 * racing.load_rpscrape_data(data bytea, source text) returns
 * racing.load_report
 */
Datum
load_rpscrape_data(PG_FUNCTION_ARGS)
{
	bytea	   *data = data_arg(fcinfo);
	char	   *source = text_arg(fcinfo, 1, "source");

	return csv_load(fcinfo, SPORT_HORSE, NULL, data, source, NULL);
}

/*
 * racing.load_nascar(path text, series text) returns racing.load_report
 */
Datum
load_nascar_file(PG_FUNCTION_ARGS)
{
	char	   *path = text_arg(fcinfo, 0, "path");
	char	   *series = series_arg(fcinfo, 1);

	return csv_load(fcinfo, SPORT_NASCAR, path, NULL, path, series);
}

/*
 * racing.load_nascar_data(data bytea, source text, series text) returns
 * racing.load_report
 */
Datum
load_nascar_data(PG_FUNCTION_ARGS)
{
	bytea	   *data = data_arg(fcinfo);
	char	   *source = text_arg(fcinfo, 1, "source");
	char	   *series = series_arg(fcinfo, 2);

	return csv_load(fcinfo, SPORT_NASCAR, NULL, data, source, series);
}
