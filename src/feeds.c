/*-------------------------------------------------------------------------
 *
 * feeds.c
 *	  JSON readers: rpscrape race cards (v1 and v2) and NASCAR public
 *	  feeds (weekend feed, live feed, race lists).
 *
 * Both readers parse the whole document with cJSON, then turn every
 * runner or vehicle into a LoadRow for the shared load path (load.h).
 * A runner whose values do not parse is quarantined with its JSON path;
 * a document that is not JSON, or JSON of another shape, is refused
 * with the position of the problem.  docs/json.md has the field mapping.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "feeds_parse.h"
#include "load.h"
#include "notation.h"

PG_FUNCTION_INFO_V1(load_racecards_file);
PG_FUNCTION_INFO_V1(load_racecards_data);
PG_FUNCTION_INFO_V1(load_nascar_feed_file);
PG_FUNCTION_INFO_V1(load_nascar_feed_data);

/* One JSON document being loaded. */
typedef struct FeedDoc
{
	const char *source;
	char	   *text;
	size_t		len;
	cJSON	   *root;
} FeedDoc;

/* cJSON allocations go to the current memory context */
static void *
feed_palloc(size_t size)
{
	return palloc(size);
}

/* release a cJSON allocation */
static void
feed_pfree(void *ptr)
{
	if (ptr)
		pfree(ptr);
}

/*
 * Refuse input that is not JSON, naming the byte offset, line and column
 * where cJSON stopped.
 */
static void
report_syntax_error(FeedDoc *doc, const char *what)
{
	const char *p = cJSON_GetErrorPtr();
	size_t		offset = doc->len;
	long		line;
	long		column;
	int			depth;

	if (p && p >= doc->text && p <= doc->text + doc->len)
		offset = p - doc->text;
	feed_error_position(doc->text, doc->len, offset, &line, &column, &depth);
	if (depth >= CJSON_NESTING_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_JSON_TEXT),
				 errmsg("file \"%s\" is not valid JSON: nested deeper than %d levels",
						doc->source, CJSON_NESTING_LIMIT),
				 errdetail("Parsing stopped at byte %zu (line %ld, column %ld).",
						   offset, line, column),
				 errhint("Load %s as the scraper or feed wrote it.", what)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_JSON_TEXT),
			 errmsg("file \"%s\" is not valid JSON", doc->source),
			 offset >= doc->len ?
			 errdetail("The text ends too early at byte %zu (line %ld, column %ld): a truncated file?",
					   offset, line, column) :
			 errdetail("Parsing stopped at byte %zu (line %ld, column %ld).",
					   offset, line, column),
			 errhint("Load %s as the scraper or feed wrote it; an HTML error page or a truncated download is not JSON.", what)));
}

/*
 * Check and parse the text of a document.
 */
static void
parse_document(FeedDoc *doc, const char *what)
{
	cJSON_Hooks hooks = {feed_palloc, feed_pfree};
	int			valid;
	const char *end = NULL;
	long		nul;

	if (doc->len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_JSON_TEXT),
				 errmsg("file \"%s\" is empty", doc->source),
				 errhint("Load %s as the scraper or feed wrote it.", what)));
	if (memchr(doc->text, '\0', doc->len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("file \"%s\" is not a JSON text file", doc->source),
				 errdetail("A NUL byte was found at byte %zu.",
						   (size_t) ((char *) memchr(doc->text, '\0', doc->len) - doc->text)),
				 errhint("Load %s, not a binary or compressed file.", what)));
	valid = pg_encoding_verifymbstr(PG_UTF8, doc->text, doc->len);
	if (valid != (int) doc->len)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("file \"%s\" is not valid UTF-8", doc->source),
				 errdetail("Byte 0x%02X at offset %d is not valid UTF-8.",
						   (unsigned char) doc->text[valid], valid),
				 errhint("JSON files are UTF-8; convert the file first.")));

	cJSON_InitHooks(&hooks);
	doc->root = cJSON_ParseWithOpts(doc->text, &end, 1);
	if (doc->root == NULL)
		report_syntax_error(doc, what);
	nul = feed_find_nul_escape(doc->text, doc->len);
	if (nul >= 0)
	{
		long		line,
					column;
		int			depth;

		feed_error_position(doc->text, doc->len, (size_t) nul, &line, &column, &depth);
		cJSON_Delete(doc->root);
		doc->root = NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("file \"%s\" holds the escape \\u0000 at line %ld, column %ld",
						doc->source, line, column),
				 errdetail("A NUL character cannot be stored in text."),
				 errhint("Remove the escape from the file, or replace it with a space.")));
	}
}

/*
 * Read a server-side file whole, after the privilege check.
 */
static void
read_server_file(FeedDoc *doc, const char *path, const char *loader)
{
	struct stat st;
	FILE	   *f;

	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read server file \"%s\"", path),
				 errdetail("Only roles with privileges of the \"pg_read_server_files\" role may load server-side files."),
				 errhint("Load from the client instead: %s() takes the file's text.", loader)));
	if (stat(path, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path),
				 errhint("The path is read by the server process; give an absolute path on the database server, or load from the client with %s().", loader)));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a regular file", path),
				 errhint("Give the path of a JSON file.")));
	if ((Size) st.st_size >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("file \"%s\" is too large to load: %lld bytes",
						path, (long long) st.st_size),
				 errhint("Split the file; one JSON document must be under 1 GB.")));
	f = AllocateFile(path, PG_BINARY_R);
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path)));
	doc->text = palloc(st.st_size + 1);
	doc->len = fread(doc->text, 1, st.st_size, f);
	if (ferror(f))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path)));
	FreeFile(f);
	doc->text[doc->len] = '\0';
	doc->source = path;
}

/* ---------------------------------------------------------------------
 * Value helpers
 * ---------------------------------------------------------------------
 */

/* Outcome of reading one value. */
typedef struct FeedError
{
	const char *column;
	char	   *message;
} FeedError;

#define FEED_FAIL(colname, ...) \
	do { err->column = (colname); err->message = psprintf(__VA_ARGS__); return false; } while (0)

/*
 * A member as a string: strings as written (NULL when empty), numbers
 * printed, anything else NULL.
 */
static char *
jstr(cJSON *obj, const char *key)
{
	cJSON	   *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(v) && v->valuestring)
	{
		const char *s = v->valuestring;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			return NULL;
		return pstrdup(s);
	}
	if (cJSON_IsNumber(v))
	{
		if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
			return psprintf("%.0f", v->valuedouble);
		return psprintf("%g", v->valuedouble);
	}
	return NULL;
}

/*
 * A member as a number.  Numbers are read as doubles; strings (v1 race
 * cards) are parsed.  Returns false with err set for a value that is
 * not a number; *present says whether there was one.
 */
static bool
jnum(cJSON *obj, const char *key, double *out, bool *present, FeedError *err)
{
	cJSON	   *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*present = false;
	if (v == NULL || cJSON_IsNull(v))
		return true;
	if (cJSON_IsNumber(v))
	{
		if (isnan(v->valuedouble) || isinf(v->valuedouble))
			FEED_FAIL(key, "\"%s\" is not a finite number", key);
		*out = v->valuedouble;
		*present = true;
		return true;
	}
	if (cJSON_IsString(v) && v->valuestring)
	{
		NotationResult r = notation_parse_number(v->valuestring, out);

		if (r == NOTATION_MISSING || notation_is_missing(v->valuestring))
			return true;
		if (r == NOTATION_INVALID)
			FEED_FAIL(key, "\"%s\": \"%s\" is not a number", key, v->valuestring);
		*present = true;
		return true;
	}
	if (cJSON_IsBool(v))
		FEED_FAIL(key, "\"%s\" is a boolean, not a number", key);
	FEED_FAIL(key, "\"%s\" is not a number", key);
}

/* set a text column from a member */
static bool
set_jtext(LoadRow *row, int col, cJSON *obj, const char *key)
{
	char	   *s = jstr(obj, key);

	if (s == NULL || notation_is_missing(s))
		return false;
	row->values[col] = CStringGetTextDatum(s);
	row->nulls[col] = false;
	return true;
}

/* set a text column from a C string */
static void
set_ctext(LoadRow *row, int col, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	row->values[col] = CStringGetTextDatum(s);
	row->nulls[col] = false;
}

/*
 * Set an int4 column from a member; sentinel values (999, -1 where
 * given) count as missing.
 */
static bool
set_jint(LoadRow *row, int col, cJSON *obj, const char *key,
		 bool sentinels, FeedError *err)
{
	double		d;
	bool		present;

	if (!jnum(obj, key, &d, &present, err))
		return false;
	if (!present)
		return true;
	if (sentinels && (d == 999 || d == -1))
		return true;
	if (d != floor(d) || fabs(d) > 1e9)
		FEED_FAIL(key, "\"%s\": %g is not a whole number of at most 9 digits", key, d);
	row->values[col] = Int32GetDatum((int32) d);
	row->nulls[col] = false;
	return true;
}

/* set an int8 identifier column from a member */
static bool
set_jid(LoadRow *row, int col, cJSON *obj, const char *key, FeedError *err)
{
	double		d;
	bool		present;

	if (!jnum(obj, key, &d, &present, err))
		return false;
	if (!present || d == 0)
		return true;
	if (d != floor(d) || d < 0 || d > 9e15)
		FEED_FAIL(key, "\"%s\": %g is not an identifier", key, d);
	row->values[col] = Int64GetDatum((int64) d);
	row->nulls[col] = false;
	return true;
}

/* set a float8 column from a member */
static bool
set_jfloat(LoadRow *row, int col, cJSON *obj, const char *key, FeedError *err)
{
	double		d;
	bool		present;

	if (!jnum(obj, key, &d, &present, err))
		return false;
	if (present)
	{
		row->values[col] = Float8GetDatum(d);
		row->nulls[col] = false;
	}
	return true;
}

/* set a date column from an ISO date or date-time; sentinels are NULL */
static bool
set_jdate(LoadRow *row, int col, cJSON *obj, const char *key, FeedError *err)
{
	char	   *s = jstr(obj, key);
	int			y,
				m,
				d;

	if (s == NULL)
		return true;
	if (!feed_parse_iso_date(s, &y, &m, &d))
	{
		if (strncmp(s, "0001-01-01", 10) == 0 || strncmp(s, "1900-01-01", 10) == 0)
			return true;
		FEED_FAIL(key, "\"%s\": \"%s\" is not a date YYYY-MM-DD", key, s);
	}
	row->values[col] = DateADTGetDatum(date2j(y, m, d) - POSTGRES_EPOCH_JDATE);
	row->nulls[col] = false;
	return true;
}

/* a JSON object key quoted for a path: "Kempton (AW)" */
static void
append_path_key(StringInfo buf, const char *key)
{
	const char *p;

	appendStringInfoString(buf, ".\"");
	for (p = key; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* a new row in the group context, with the record's JSON as raw field */
static LoadRow *
new_json_row(LoadBatch *batch, cJSON *item, const char *path)
{
	LoadRow    *row = load_row_new(batch);
	char	   *raw = cJSON_PrintUnformatted(item);

	row->json_path = pstrdup(path);
	row->line_no = 0;
	row->nraw = 1;
	row->raw_names = palloc(sizeof(char *));
	row->raw_values = palloc(sizeof(char *));
	row->raw_names[0] = "json";
	row->raw_values[0] = raw ? pstrdup(raw) : NULL;
	if (raw)
		cJSON_free(raw);
	return row;
}

/* count the filled values of the given columns for the quality score */
static void
count_fields(LoadBatch *batch, LoadRow *row, const int *cols, int ncols)
{
	int			i;

	for (i = 0; i < ncols; i++)
	{
		batch->fields_expected++;
		if (!row->nulls[cols[i]])
			batch->fields_filled++;
	}
}

/* ---------------------------------------------------------------------
 * rpscrape race cards
 * ---------------------------------------------------------------------
 */

/* One race of a race card. */
typedef struct CardRace
{
	const char *region;			/* REGION key */
	const char *course;			/* COURSE key */
	const char *off_key;		/* OFF_TIME key */
	cJSON	   *race;
	bool		v2;
	int			ran;
} CardRace;

static const int card_counted_cols[] = {
	H_RACE_DATE, H_OFF_TIME, H_RACE_NAME, H_RACE_TYPE, H_DIST_TEXT, H_GOING,
	H_HORSE, H_NUM, H_AGE, H_SEX, H_LBS, H_JOCKEY, H_TRAINER, H_OWNER,
	H_SIRE, H_DAM, H_DAMSIRE
};

/* "name (REGION)" as results files write horses, sires and dams */
static char *
with_region(cJSON *obj, const char *name_key, const char *region_key)
{
	char	   *name = jstr(obj, name_key);
	char	   *region = jstr(obj, region_key);

	if (name == NULL)
		return NULL;
	if (region == NULL)
		return name;
	return psprintf("%s (%s)", name, region);
}

/*
 * Fill a row from a race-card runner.  Returns false with err set when a
 * value does not parse.
 */
static bool
racecard_row(CardRace *cr, cJSON *runner, LoadRow *row, FeedError *err)
{
	cJSON	   *race = cr->race;
	char	   *s;
	int			minutes;
	int			yards;
	NotationResult r;
	cJSON	   *v;

	/* race */
	if (!set_jdate(row, H_RACE_DATE, race, "date", err))
		return false;
	if (row->nulls[H_RACE_DATE])
		FEED_FAIL("date", "the race has no \"date\"; it is part of the race key");
	set_ctext(row, H_COURSE, cr->course);
	s = jstr(race, "off_time");
	if (s == NULL)
		s = pstrdup(cr->off_key);
	r = notation_parse_off_time(s, !cr->v2, &minutes);
	if (r != NOTATION_OK)
		FEED_FAIL("off_time", "\"off_time\": \"%s\" is not an off time such as %s",
				  s, cr->v2 ? "13:05" : "1:05");
	row->values[H_OFF_TIME] = TimeADTGetDatum((TimeADT) minutes * 60 * USECS_PER_SEC);
	row->nulls[H_OFF_TIME] = false;
	if (!set_jtext(row, H_REGION, race, "region"))
		set_ctext(row, H_REGION, cr->region);
	set_jtext(row, H_RACE_NAME, race, "race_name");
	set_jtext(row, H_RACE_TYPE, race, cr->v2 ? "race_type" : "type");
	v = cJSON_GetObjectItemCaseSensitive(race, "race_class");
	if (cJSON_IsNumber(v))
		set_ctext(row, H_RACE_CLASS, psprintf("Class %d", v->valueint));
	else
		set_jtext(row, H_RACE_CLASS, race, "race_class");
	set_jtext(row, H_PATTERN, race, "pattern");
	set_jtext(row, H_RATING_BAND, race, "rating_band");
	set_jtext(row, H_AGE_BAND, race, "age_band");
	s = jstr(race, "distance");
	if (s)
	{
		set_ctext(row, H_DIST_TEXT, s);
		r = notation_parse_distance(s, &yards);
		if (r == NOTATION_INVALID)
			FEED_FAIL("distance", "\"distance\": \"%s\" is not a distance such as 1m2½f or 2m4f110y", s);
		if (r == NOTATION_OK)
		{
			row->values[H_DIST_YARDS] = Int32GetDatum(yards);
			row->nulls[H_DIST_YARDS] = false;
		}
	}
	if (!set_jfloat(row, H_DIST_F, race, "distance_f", err))
		return false;
	if (row->nulls[H_DIST_YARDS] && !row->nulls[H_DIST_F])
	{
		row->values[H_DIST_YARDS] = Int32GetDatum((int32) rint(DatumGetFloat8(row->values[H_DIST_F]) * 220.0));
		row->nulls[H_DIST_YARDS] = false;
	}
	if (set_jtext(row, H_GOING, race, "going"))
	{
		const char *g = notation_going_group(TextDatumGetCString(row->values[H_GOING]));

		if (g)
			set_ctext(row, H_GOING_GROUP, g);
	}
	if (!set_jtext(row, H_SURFACE, race, "surface"))
		set_ctext(row, H_SURFACE, strstr(cr->course, "(AW)") ? "AW" : "Turf");
	row->values[H_RAN] = Int32GetDatum(cr->ran);
	row->nulls[H_RAN] = cr->ran <= 0;
	set_ctext(row, H_RACE_STATUS, "declared");
	if (!set_jid(row, H_RP_RACE_ID, race, "race_id", err))
		return false;

	/* runner */
	s = with_region(runner, "name", "region");
	if (s == NULL)
		FEED_FAIL("name", "the runner has no \"name\"; it is part of the runner key");
	set_ctext(row, H_HORSE, s);
	if (!set_jint(row, H_NUM, runner, "number", false, err) ||
		!set_jint(row, H_DRAW, runner, "draw", false, err) ||
		!set_jint(row, H_AGE, runner, "age", false, err) ||
		!set_jint(row, H_LBS, runner, "lbs", false, err) ||
		!set_jint(row, H_OFFICIAL_RATING, runner, "ofr", false, err))
		return false;
	/* stall 0 is how v1 writes "no draw" in jumps races */
	if (!row->nulls[H_DRAW] && DatumGetInt32(row->values[H_DRAW]) == 0)
		row->nulls[H_DRAW] = true;
	set_jtext(row, H_SEX, runner, "sex_code");
	set_jtext(row, H_HEADGEAR, runner, "headgear");
	s = jstr(runner, "jockey");
	if (s)
	{
		char	   *name = palloc(strlen(s) + 1);
		int			claim;

		/* v1 writes the claim into the name: "Mr Jake Holman(7)" */
		feed_strip_claim(s, name, strlen(s) + 1, &claim);
		set_ctext(row, H_JOCKEY, name);
		if (claim > 0)
		{
			row->values[H_CLAIM] = Int32GetDatum(claim);
			row->nulls[H_CLAIM] = false;
		}
	}
	/* v2 has it apart, as "claim" (and the same in "jockey_allowance") */
	{
		bool		from_name = !row->nulls[H_CLAIM];
		Datum		name_claim = row->values[H_CLAIM];

		row->nulls[H_CLAIM] = true;
		if (!set_jint(row, H_CLAIM, runner, "claim", false, err))
			return false;
		if (row->nulls[H_CLAIM] &&
			!set_jint(row, H_CLAIM, runner, "jockey_allowance", false, err))
			return false;
		if (from_name && !row->nulls[H_CLAIM] &&
			DatumGetInt32(row->values[H_CLAIM]) != 0 &&
			DatumGetInt32(row->values[H_CLAIM]) != DatumGetInt32(name_claim))
			FEED_FAIL("claim", "the jockey name claims %d lbs but \"claim\" says %d",
					  DatumGetInt32(name_claim), DatumGetInt32(row->values[H_CLAIM]));
		if (from_name && (row->nulls[H_CLAIM] || DatumGetInt32(row->values[H_CLAIM]) == 0))
		{
			row->values[H_CLAIM] = name_claim;
			row->nulls[H_CLAIM] = false;
		}
	}
	if (!row->nulls[H_CLAIM])
	{
		int32		claim = DatumGetInt32(row->values[H_CLAIM]);

		if (claim < 0 || claim > 15)
			FEED_FAIL("claim", "claim %d lbs is out of range 0..15", claim);
		if (claim == 0)
			row->nulls[H_CLAIM] = true;
	}
	set_jtext(row, H_TRAINER, runner, "trainer");
	set_jtext(row, H_OWNER, runner, "owner");
	v = cJSON_GetObjectItemCaseSensitive(runner, "non_runner");
	if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsBool(v))
		FEED_FAIL("non_runner", "\"non_runner\" is not true or false");
	row->values[H_NON_RUNNER] = BoolGetDatum(cJSON_IsTrue(v));
	row->nulls[H_NON_RUNNER] = false;
	set_ctext(row, H_SIRE, with_region(runner, "sire", "sire_region"));
	set_ctext(row, H_DAM, with_region(runner, "dam", "dam_region"));
	set_jtext(row, H_DAMSIRE, runner, "damsire");
	if (!set_jid(row, H_RP_HORSE_ID, runner, "horse_id", err) ||
		!set_jid(row, H_RP_JOCKEY_ID, runner, "jockey_id", err) ||
		!set_jid(row, H_RP_TRAINER_ID, runner, "trainer_id", err))
		return false;
	row->values[H_HAS_RESULT] = BoolGetDatum(false);
	row->nulls[H_HAS_RESULT] = false;
	return true;
}

/* refuse a document that is JSON but not a race card */
static void
racecard_shape_error(FeedDoc *doc, const char *path, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
			 errmsg("file \"%s\" is not an rpscrape race card file", doc->source),
			 errdetail("At %s: %s.", path, detail),
			 errhint("A race card file is an object {REGION: {COURSE: {OFF_TIME: race}}} whose races hold a \"runners\" array, as rpscrape racecards.py writes it.")));
}

/*
 * Load every runner of a parsed race card document.
 */
static void
racecard_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *region;
	StringInfoData path;

	if (!cJSON_IsObject(doc->root))
		racecard_shape_error(doc, "$", "the document is not an object");
	initStringInfo(&path);
	cJSON_ArrayForEach(region, doc->root)
	{
		cJSON	   *course;

		resetStringInfo(&path);
		appendStringInfoChar(&path, '$');
		append_path_key(&path, region->string);
		if (!cJSON_IsObject(region))
			racecard_shape_error(doc, path.data, "a region must be an object of courses");
		cJSON_ArrayForEach(course, region)
		{
			cJSON	   *race;
			int			course_len;

			resetStringInfo(&path);
			appendStringInfoChar(&path, '$');
			append_path_key(&path, region->string);
			append_path_key(&path, course->string);
			if (!cJSON_IsObject(course))
				racecard_shape_error(doc, path.data, "a course must be an object of races by off time");
			course_len = path.len;
			cJSON_ArrayForEach(race, course)
			{
				CardRace	cr;
				cJSON	   *runners;
				cJSON	   *runner;
				int			i;
				int			race_len;

				path.len = course_len;
				path.data[path.len] = '\0';
				append_path_key(&path, race->string);
				race_len = path.len;
				if (!cJSON_IsObject(race))
					racecard_shape_error(doc, path.data, "a race must be an object");
				runners = cJSON_GetObjectItemCaseSensitive(race, "runners");
				if (!cJSON_IsArray(runners))
					racecard_shape_error(doc, path.data, "the race has no \"runners\" array");
				cr.region = region->string;
				cr.course = course->string;
				cr.off_key = race->string;
				cr.race = race;
				cr.v2 = cJSON_GetObjectItemCaseSensitive(race, "race_type") != NULL;
				cr.ran = 0;
				cJSON_ArrayForEach(runner, runners)
				{
					if (cJSON_IsObject(runner) &&
						!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(runner, "non_runner")))
						cr.ran++;
				}

				i = 0;
				cJSON_ArrayForEach(runner, runners)
				{
					MemoryContext old;
					LoadRow    *row;
					FeedError	err = {NULL, NULL};

					path.len = race_len;
					path.data[path.len] = '\0';
					appendStringInfo(&path, ".runners[%d]", i++);
					old = MemoryContextSwitchTo(batch->group_cxt);
					row = new_json_row(batch, runner, path.data);
					if (!cJSON_IsObject(runner))
					{
						load_quarantine_row(batch, row, "parse", NULL,
											"a runner must be a JSON object");
						MemoryContextSwitchTo(old);
						continue;
					}
					if (!racecard_row(&cr, runner, row, &err))
					{
						load_quarantine_row(batch, row, "parse", err.column,
											err.message);
						MemoryContextSwitchTo(old);
						continue;
					}
					count_fields(batch, row, card_counted_cols,
								 lengthof(card_counted_cols));
					MemoryContextSwitchTo(old);
					load_add_row(batch, row);
				}
			}
		}
	}
}

/*
 * Load a race card document: batch, result columns marked absent, rows.
 */
static Datum
racecards_load(FunctionCallInfo fcinfo, FeedDoc *doc)
{
	LoadBatch  *batch;
	Datum		result;
	int			c;

	parse_document(doc, "the race card file");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "racing: SPI_connect failed");
	batch = load_batch_begin(SPORT_HORSE, "racecard-json", doc->source);
	/* a race card never erases results */
	for (c = H_SP_DECIMAL; c < H_NCOLS; c++)
		batch->absent[c] = true;
	batch->absent[H_HAS_RESULT] = false;
	racecard_load(batch, doc);
	cJSON_Delete(doc->root);
	doc->root = NULL;
	load_batch_finish(batch);
	result = load_batch_report(batch, fcinfo);
	SPI_finish();
	return result;
}

/* ---------------------------------------------------------------------
 * NASCAR feeds
 * ---------------------------------------------------------------------
 */

/* The race a feed is about. */
typedef struct FeedRace
{
	const char *series;
	int			season;
	int			race_num;
	int64		nascar_race_id;
	char	   *track;
	char	   *race_name;
	double		length;			/* miles, 0 when unknown */
	DateADT		date;
	bool		has_date;
} FeedRace;

static const int nascar_counted_cols[] = {
	N_TRACK, N_RACE_NAME, N_RACE_DATE, N_DRIVER, N_CAR, N_TEAM, N_MAKE,
	N_START, N_FINISH, N_LAPS, N_LED, N_STATUS
};

/* what a live feed carries: no team or status; sessions no result */
static const int live_counted_cols[] = {
	N_TRACK, N_RACE_NAME, N_DRIVER, N_CAR, N_MAKE, N_START, N_FINISH, N_LAPS
};

/* refuse a document that is JSON but no NASCAR feed we read */
static void
nascar_shape_error(FeedDoc *doc, const char *path, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
			 errmsg("file \"%s\" is not a NASCAR feed this loader reads", doc->source),
			 errdetail("At %s: %s.", path, detail),
			 errhint("Load a weekend-feed.json, live-feed.json, race_list_basic.json or schedule-feed.json from cf.nascar.com, or a derived entry list.")));
}

/* series name of a series_id: 1 cup, 2 xfinity, 3 truck */
static const char *
series_name(double id)
{
	if (id == 1)
		return "cup";
	if (id == 2)
		return "xfinity";
	if (id == 3)
		return "truck";
	return NULL;
}

/* a number member, or def when missing or not a number */
static double
jdouble(cJSON *obj, const char *key, double def)
{
	cJSON	   *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* a member that is a whole number 0..1,000,000, else -1 */
static int
jcount(cJSON *obj, const char *key)
{
	double		d = jdouble(obj, key, -1);

	if (!(d >= 0 && d <= 1e6) || d != floor(d))
		return -1;
	return (int) d;
}

/* a member that is an identifier 1..9e15, else 0 */
static int64
jidnum(cJSON *obj, const char *key)
{
	double		d = jdouble(obj, key, 0);

	if (!(d >= 1 && d <= 9e15) || d != floor(d))
		return 0;
	return (int64) d;
}

/*
 * The race number of a race: the stored race with this NASCAR race id,
 * else the one race stored from nascaR.data at the same track under the
 * same name, else the next free number of the series and season.
 */
static void
resolve_race_num(FeedRace *fr)
{
	Oid			types[3] = {TEXTOID, INT4OID, INT8OID};
	Datum		values[3];
	bool		isnull;
	int			ret;

	values[0] = CStringGetTextDatum(fr->series);
	values[1] = Int32GetDatum(fr->season);
	values[2] = Int64GetDatum(fr->nascar_race_id);
	ret = SPI_execute_with_args("SELECT race_num FROM racing.nascar_race"
								" WHERE series = $1 AND season = $2 AND nascar_race_id = $3"
								" ORDER BY race_num LIMIT 1",
								3, types, values, NULL, false, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		fr->race_num = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1, &isnull));
		return;
	}

	/*
	 * A race stored from nascaR.data (no NASCAR race id) at the same track
	 * under the same name, when there is exactly one: the feed's race is
	 * that race.
	 */
	if (fr->race_name && fr->track)
	{
		Oid			mtypes[4] = {TEXTOID, INT4OID, TEXTOID, TEXTOID};
		Datum		mvalues[4];

		mvalues[0] = values[0];
		mvalues[1] = values[1];
		mvalues[2] = CStringGetTextDatum(fr->track);
		mvalues[3] = CStringGetTextDatum(fr->race_name);
		ret = SPI_execute_with_args("SELECT r.race_num FROM racing.nascar_race r"
									" WHERE r.series = $1 AND r.season = $2"
									" AND r.nascar_race_id IS NULL"
									" AND EXISTS (SELECT 1 FROM racing.track_alias a"
									"  WHERE a.track_id = r.track_id AND racing._name_key(a.alias) ="
									"   racing._name_key($3))"
									" AND racing._name_key(r.race_name) ="
									"  racing._name_key($4)"
									" LIMIT 2",
									4, mtypes, mvalues, NULL, false, 2);
		if (ret == SPI_OK_SELECT && SPI_processed == 1)
		{
			fr->race_num = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 1, &isnull));
			return;
		}
	}
	ret = SPI_execute_with_args("SELECT coalesce(max(race_num), 0) + 1 FROM racing.nascar_race"
								" WHERE series = $1 AND season = $2",
								2, types, values, NULL, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "racing: could not read the race numbers of a season");
	fr->race_num = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * The first column of the first row of a query as text, or NULL when
 * there is no row or the value is NULL.
 */
static char *
spi_text_value(const char *sql, int nargs, Oid *types, Datum *values)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args(sql, nargs, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "racing: could not run \"%s\"", sql);
	if (SPI_processed == 0)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * The stored race as text, or NULL; used to tell stored, updated and
 * unchanged races apart.
 */
static char *
race_snapshot(FeedRace *fr)
{
	Oid			types[3] = {TEXTOID, INT4OID, INT4OID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(fr->series);
	values[1] = Int32GetDatum(fr->season);
	values[2] = Int32GetDatum(fr->race_num);
	return spi_text_value("SELECT r::text FROM racing.nascar_race r"
						  " WHERE series = $1 AND season = $2 AND race_num = $3",
						  3, types, values);
}

/*
 * Find a race stored under its NASCAR race id: sets its season and race
 * number and returns true, or returns false.
 */
static bool
stored_race(FeedRace *fr)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(fr->series);
	values[1] = Int64GetDatum(fr->nascar_race_id);
	if (SPI_execute_with_args("SELECT season, race_num FROM racing.nascar_race"
							  " WHERE series = $1 AND nascar_race_id = $2"
							  " ORDER BY season DESC LIMIT 1",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "racing: could not look up a race");
	if (SPI_processed != 1)
		return false;
	fr->season = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
	fr->race_num = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2, &isnull));
	return true;
}

/*
 * Insert or update the race row itself; returns its race_id.
 */
static int64
upsert_race(LoadBatch *batch, FeedRace *fr, const char *status)
{
	Oid			types[10] = {TEXTOID, FLOAT8OID, TEXTOID, INT4OID, INT4OID,
	TEXTOID, DATEOID, TEXTOID, INT8OID, INT8OID};
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	values[0] = CStringGetTextDatum(fr->track);
	values[1] = Float8GetDatum(fr->length);
	nulls[1] = fr->length > 0 ? ' ' : 'n';
	values[2] = CStringGetTextDatum(fr->series);
	values[3] = Int32GetDatum(fr->season);
	values[4] = Int32GetDatum(fr->race_num);
	values[5] = fr->race_name ? CStringGetTextDatum(fr->race_name) : (Datum) 0;
	nulls[5] = fr->race_name ? ' ' : 'n';
	values[6] = DateADTGetDatum(fr->date);
	nulls[6] = fr->has_date ? ' ' : 'n';
	values[7] = CStringGetTextDatum(status);
	values[8] = Int64GetDatum(fr->nascar_race_id);
	values[9] = Int64GetDatum(batch->batch_id);
	if (SPI_execute_with_args("SELECT racing._upsert_nascar_race("
							  "racing._track_id($1, $2, NULL::text)::int, $1, $3, $4,"
							  " $5, $6, $2::real, NULL::text, $7, $8, $9, $10)",
							  10, types, values, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "racing: could not store a NASCAR race");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Read the race fields shared by weekend feeds and race lists.  Returns
 * false with err set when the race cannot be identified.
 */
static bool
feed_race_from(cJSON *race, const char *series_default, FeedRace *fr,
			   FeedError *err)
{
	double		laps;
	double		dist;
	char	   *s;
	int			y,
				m,
				d;

	memset(fr, 0, sizeof(*fr));
	fr->series = series_name(jdouble(race, "series_id", -1));
	if (fr->series == NULL)
		fr->series = series_default;
	if (fr->series == NULL)
		FEED_FAIL("series_id", "\"series_id\" is not 1 (cup), 2 (xfinity) or 3 (truck)");
	fr->season = jcount(race, "race_season");
	if (fr->season > 0 && (fr->season < 1949 || fr->season > 2200))
		FEED_FAIL("race_season", "\"race_season\" %d is out of range 1949..2200", fr->season);
	if (fr->season <= 0)
		FEED_FAIL("race_season", "the race has no \"race_season\"; it is part of the race key");
	fr->nascar_race_id = jidnum(race, "race_id");
	if (fr->nascar_race_id <= 0)
		FEED_FAIL("race_id", "the race has no \"race_id\"");
	fr->track = jstr(race, "track_name");
	if (fr->track == NULL)
		FEED_FAIL("track_name", "the race has no \"track_name\"");
	fr->race_name = jstr(race, "race_name");
	laps = jdouble(race, "scheduled_laps", 0);
	dist = jdouble(race, "scheduled_distance", 0);
	if (laps > 0 && dist > 0)
		fr->length = rint(dist / laps * 1000.0) / 1000.0;
	if (!(fr->length > 0 && fr->length < 10))
		fr->length = 0;			/* no track is that long: unknown */
	s = jstr(race, "race_date");
	if (s == NULL)
		s = jstr(race, "date_scheduled");
	if (s && feed_parse_iso_date(s, &y, &m, &d))
	{
		fr->date = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
		fr->has_date = true;
	}
	return true;
}

/* fill the race columns of a row */
static void
race_columns(LoadRow *row, FeedRace *fr, const char *status)
{
	set_ctext(row, N_SERIES, fr->series);
	row->values[N_SEASON] = Int32GetDatum(fr->season);
	row->nulls[N_SEASON] = false;
	row->values[N_RACE_NUM] = Int32GetDatum(fr->race_num);
	row->nulls[N_RACE_NUM] = false;
	set_ctext(row, N_TRACK, fr->track);
	set_ctext(row, N_RACE_NAME, fr->race_name);
	if (fr->length > 0)
	{
		row->values[N_LENGTH] = Float8GetDatum(fr->length);
		row->nulls[N_LENGTH] = false;
	}
	if (fr->has_date)
	{
		row->values[N_RACE_DATE] = DateADTGetDatum(fr->date);
		row->nulls[N_RACE_DATE] = false;
	}
	set_ctext(row, N_RACE_STATUS, status);
	row->values[N_NASCAR_RACE_ID] = Int64GetDatum(fr->nascar_race_id);
	row->nulls[N_NASCAR_RACE_ID] = false;
	row->values[N_SCRATCHED] = BoolGetDatum(false);
	row->nulls[N_SCRATCHED] = false;
}

/*
 * The name a driver is stored under, found by the NASCAR driver id, or
 * NULL.  Feeds spell one driver differently ("Martin Truex Jr." and
 * "Martin Truex Jr", "John Hunter Nemechek" and "John H. Nemechek"); the
 * first name stored for an id is kept.
 */
static char *
stored_driver_name(int64 nascar_driver_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(nascar_driver_id);
	return spi_text_value("SELECT name FROM racing.driver WHERE nascar_driver_id = $1"
						  " ORDER BY driver_id LIMIT 1",
						  1, types, values);
}

/*
 * Set the driver columns from a name with markers and the driver's
 * NASCAR id (member id_key of obj).
 */
static bool
driver_columns(LoadRow *row, const char *full, cJSON *obj, const char *id_key,
			   FeedError *err)
{
	char	   *name;
	char	   *stored = NULL;
	int			flags;

	if (full == NULL)
		FEED_FAIL("driver", "the entry has no driver name; it is part of the entry key");
	name = palloc(strlen(full) + 1);
	feed_strip_driver(full, name, strlen(full) + 1, &flags);
	if (name[0] == '\0')
		FEED_FAIL("driver", "driver name \"%s\" holds only markers", full);
	if (!set_jid(row, N_NASCAR_DRIVER_ID, obj, id_key, err))
		return false;
	if (!row->nulls[N_NASCAR_DRIVER_ID])
		stored = stored_driver_name(DatumGetInt64(row->values[N_NASCAR_DRIVER_ID]));
	set_ctext(row, N_DRIVER, stored ? stored : name);
	return true;
}

/*
 * Store one race of a race list (or a weekend race without results):
 * the race row only, counted as one record.
 */
static void
race_only(LoadBatch *batch, cJSON *race, const char *series_default,
		  const char *path)
{
	FeedRace	fr;
	FeedError	err = {NULL, NULL};
	cJSON	   *w;
	const char *status;
	char	   *before;
	char	   *after;
	MemoryContext old;
	LoadRow    *row;

	old = MemoryContextSwitchTo(batch->group_cxt);
	row = new_json_row(batch, race, path);
	if (!cJSON_IsObject(race))
	{
		load_quarantine_row(batch, row, "parse", NULL, "a race must be a JSON object");
		MemoryContextSwitchTo(old);
		return;
	}
	if (!feed_race_from(race, series_default, &fr, &err))
	{
		load_quarantine_row(batch, row, "parse", err.column, err.message);
		MemoryContextSwitchTo(old);
		return;
	}
	MemoryContextSwitchTo(old);

	/* a finished race names its winner (an int; "" or null when not run) */
	w = cJSON_GetObjectItemCaseSensitive(race, "winner_driver_id");
	status = (cJSON_IsNumber(w) && w->valuedouble > 0) ? "result" : "scheduled";

	resolve_race_num(&fr);
	if (fr.race_num > 60)
	{
		load_quarantine_row(batch, row, "range", "race_num",
							psprintf("race number %d of the %s %d season is out of range 1..60",
									 fr.race_num, fr.series, fr.season));
		return;
	}
	before = race_snapshot(&fr);
	upsert_race(batch, &fr, status);
	after = race_snapshot(&fr);
	batch->rows_read++;
	batch->fields_expected += 3;
	batch->fields_filled += 1 + (fr.race_name != NULL) + fr.has_date;
	if (before == NULL)
		batch->rows_stored++;
	else if (after && strcmp(before, after) != 0)
		batch->rows_updated++;
	else
		batch->rows_duplicate++;
}

/*
 * Fill a row from one result of a weekend feed.
 */
static bool
weekend_result_row(cJSON *res, LoadRow *row, FeedError *err)
{
	const char *status;

	if (!driver_columns(row, jstr(res, "driver_fullname"), res, "driver_id", err))
		return false;
	if (!set_jtext(row, N_CAR, res, "car_number"))
		FEED_FAIL("car_number", "the result has no \"car_number\"; it is part of the entry key");
	set_jtext(row, N_TEAM, res, "team_name");
	set_jtext(row, N_MAKE, res, "car_make");
	if (!set_jint(row, N_START, res, "starting_position", true, err) ||
		!set_jint(row, N_FINISH, res, "finishing_position", true, err) ||
		!set_jint(row, N_POINTS, res, "points_earned", true, err) ||
		!set_jint(row, N_LAPS, res, "laps_completed", true, err) ||
		!set_jint(row, N_LED, res, "laps_led", true, err))
		return false;
	if (set_jtext(row, N_STATUS, res, "finishing_status"))
	{
		status = notation_nascar_status_category(TextDatumGetCString(row->values[N_STATUS]));
		if (status)
			set_ctext(row, N_STATUS_CATEGORY, status);
	}
	if (!row->nulls[N_FINISH])
	{
		row->values[N_WIN] = BoolGetDatum(DatumGetInt32(row->values[N_FINISH]) == 1);
		row->nulls[N_WIN] = false;
	}
	row->values[N_HAS_RESULT] = BoolGetDatum(!row->nulls[N_FINISH]);
	row->nulls[N_HAS_RESULT] = false;
	return true;
}

/*
 * Weekend feed: the results of each race in weekend_race[].
 */
static void
weekend_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *races = cJSON_GetObjectItemCaseSensitive(doc->root, "weekend_race");
	cJSON	   *race;
	int			r = 0;

	if (!cJSON_IsArray(races))
		nascar_shape_error(doc, "$.weekend_race", "\"weekend_race\" is not an array");
	batch->absent[N_STAGE1] = batch->absent[N_STAGE2] = true;
	batch->absent[N_STAGE3] = batch->absent[N_RATING] = true;
	batch->absent[N_SEG_POINTS] = true;
	cJSON_ArrayForEach(race, races)
	{
		char	   *rpath = psprintf("$.weekend_race[%d]", r++);
		cJSON	   *results = cJSON_GetObjectItemCaseSensitive(race, "results");
		cJSON	   *res;
		FeedRace	fr;
		FeedError	err = {NULL, NULL};
		int			i = 0;

		if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) == 0)
		{
			race_only(batch, race, NULL, rpath);
			continue;
		}
		if (!feed_race_from(race, NULL, &fr, &err))
			nascar_shape_error(doc, rpath, err.message);
		resolve_race_num(&fr);
		cJSON_ArrayForEach(res, results)
		{
			MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);
			LoadRow    *row = new_json_row(batch, res,
										   psprintf("%s.results[%d]", rpath, i++));

			if (!cJSON_IsObject(res))
			{
				load_quarantine_row(batch, row, "parse", NULL, "a result must be a JSON object");
				MemoryContextSwitchTo(old);
				continue;
			}
			race_columns(row, &fr, "result");
			if (!weekend_result_row(res, row, &err))
			{
				load_quarantine_row(batch, row, "parse", err.column, err.message);
				MemoryContextSwitchTo(old);
				continue;
			}
			count_fields(batch, row, nascar_counted_cols, lengthof(nascar_counted_cols));
			MemoryContextSwitchTo(old);
			load_add_row(batch, row);
		}
	}
}

/*
 * Total laps led from a live feed's laps_led [{start_lap, end_lap}].  The
 * leader at the start writes a span from lap 0, which is no lap: laps
 * are counted from 1, as the weekend feed counts them.
 */
static int
laps_led(cJSON *vehicle)
{
	cJSON	   *spans = cJSON_GetObjectItemCaseSensitive(vehicle, "laps_led");
	cJSON	   *span;
	int			n = 0;

	cJSON_ArrayForEach(span, spans)
	{
		double		a = jdouble(span, "start_lap", -1);
		double		b = jdouble(span, "end_lap", -1);

		if (a < 0)
			continue;			/* no start lap */
		if (a < 1)
			a = 1;
		if (b >= a && b - a < 10000 && n < 1000000)
			n += (int) (b - a) + 1;
	}
	return n;
}

/*
 * The race of a live feed, which gives no season: the stored race with
 * its NASCAR race id, else the season of time_of_day_os.
 */
static void
live_race(FeedDoc *doc, FeedRace *fr)
{
	char	   *tod;
	int			y,
				m,
				d;

	memset(fr, 0, sizeof(*fr));
	fr->series = series_name(jdouble(doc->root, "series_id", -1));
	if (fr->series == NULL)
		nascar_shape_error(doc, "$.series_id", "\"series_id\" is not 1 (cup), 2 (xfinity) or 3 (truck)");
	fr->nascar_race_id = jidnum(doc->root, "race_id");
	if (fr->nascar_race_id <= 0)
		nascar_shape_error(doc, "$.race_id", "the feed has no \"race_id\"");
	fr->track = jstr(doc->root, "track_name");
	if (fr->track == NULL)
		nascar_shape_error(doc, "$.track_name", "the feed has no \"track_name\"");
	fr->race_name = jstr(doc->root, "run_name");
	fr->length = jdouble(doc->root, "track_length", 0);
	if (!(fr->length > 0 && fr->length < 10))
		fr->length = 0;
	tod = jstr(doc->root, "time_of_day_os");
	if (tod && feed_parse_iso_date(tod, &y, &m, &d))
	{
		fr->date = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
		fr->has_date = true;
	}

	if (stored_race(fr))
		return;
	if (!fr->has_date)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("live feed \"%s\" does not say the season of race %lld",
						doc->source, (long long) fr->nascar_race_id),
				 errdetail("The feed has no race_season and time_of_day_os is the sentinel \"%s\".",
						   tod ? tod : ""),
				 errhint("Load the weekend feed or the race list of the race first; the live feed is then matched by its race_id.")));
	fr->season = y;
	resolve_race_num(fr);
}

/*
 * Store the live state of one vehicle of a race under way.
 */
static void
live_state_row(LoadBatch *batch, int64 race_id, cJSON *root, cJSON *veh,
			   const char *path)
{
	Oid			types[9] = {INT8OID, TEXTOID, TEXTOID, INT4OID, INT4OID,
	INT4OID, INT4OID, INT4OID, INT4OID};
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	char	   *car = jstr(veh, "vehicle_number");
	cJSON	   *drv = cJSON_GetObjectItemCaseSensitive(veh, "driver");
	char	   *full = jstr(drv, "full_name");
	char	   *name;
	int			flags;
	int			pos = jcount(veh, "running_position");
	int			laps = jcount(veh, "laps_completed");
	int			status = jcount(veh, "status");
	int			lap = jcount(root, "lap_number");
	int			flag = jcount(root, "flag_state");
	int64		driver_id = jidnum(drv, "driver_id");
	const char *problem = NULL;
	bool		isnull;
	MemoryContext old;

	name = full ? palloc(strlen(full) + 1) : NULL;
	if (full)
		feed_strip_driver(full, name, strlen(full) + 1, &flags);
	if (car == NULL)
		problem = "the vehicle has no \"vehicle_number\"";
	else if (strlen(car) > 20)
		problem = "\"vehicle_number\" is longer than 20 bytes";
	else if (full == NULL)
		problem = "the vehicle has no driver name";
	else if (name[0] == '\0')
		problem = psprintf("driver name \"%.40s\" holds only markers", full);
	else if (strlen(name) > 200)
		problem = "the driver name is longer than 200 bytes";
	if (problem)
	{
		LoadRow    *row;

		old = MemoryContextSwitchTo(batch->group_cxt);
		row = new_json_row(batch, veh, path);
		load_quarantine_row(batch, row, "parse",
							(car == NULL || strlen(car) > 20) ? "vehicle_number" : "driver",
							problem);
		MemoryContextSwitchTo(old);
		return;
	}
	if (driver_id > 0)
	{
		char	   *stored = stored_driver_name(driver_id);

		if (stored)
			name = stored;
	}
	values[0] = Int64GetDatum(race_id);
	values[1] = CStringGetTextDatum(car);
	values[2] = CStringGetTextDatum(name);
	values[3] = Int32GetDatum(pos);
	nulls[3] = (pos < 0 || pos == 999) ? 'n' : ' ';
	values[4] = Int32GetDatum(laps);
	nulls[4] = (laps < 0 || laps == 999) ? 'n' : ' ';
	values[5] = Int32GetDatum(laps_led(veh));
	values[6] = Int32GetDatum(status);
	nulls[6] = status < 0 ? 'n' : ' ';
	values[7] = Int32GetDatum(lap);
	nulls[7] = (lap < 0 || lap == 999) ? 'n' : ' ';
	values[8] = Int32GetDatum(flag);
	nulls[8] = flag < 0 ? 'n' : ' ';
	if (SPI_execute_with_args("INSERT INTO racing.nascar_live_state AS s"
							  " (race_id, car, driver, running_position, laps_completed,"
							  " laps_led, status, lap_number, flag_state)"
							  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
							  " ON CONFLICT (race_id, car) DO UPDATE SET"
							  " driver = excluded.driver,"
							  " running_position = excluded.running_position,"
							  " laps_completed = excluded.laps_completed,"
							  " laps_led = excluded.laps_led, status = excluded.status,"
							  " lap_number = excluded.lap_number,"
							  " flag_state = excluded.flag_state, updated_at = now()"
							  " WHERE (s.driver, s.running_position, s.laps_completed,"
							  " s.laps_led, s.status, s.lap_number, s.flag_state)"
							  " IS DISTINCT FROM (excluded.driver, excluded.running_position,"
							  " excluded.laps_completed, excluded.laps_led, excluded.status,"
							  " excluded.lap_number, excluded.flag_state)"
							  " RETURNING (xmax = 0)",
							  9, types, values, nulls, false, 1) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "racing: could not store the live state of a vehicle");
	batch->rows_read++;
	batch->fields_expected += 5;
	batch->fields_filled += 2 + (nulls[3] == ' ') + (nulls[4] == ' ') + (nulls[6] == ' ');
	if (SPI_processed == 0)
		batch->rows_duplicate++;
	else if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull)))
		batch->rows_stored++;
	else
		batch->rows_updated++;
}

/*
 * Fill a row from a vehicle of a finished live feed (results) or of a
 * practice or qualifying session (entries only).
 */
static bool
live_vehicle_row(cJSON *veh, LoadRow *row, bool results, FeedError *err)
{
	cJSON	   *drv = cJSON_GetObjectItemCaseSensitive(veh, "driver");
	char	   *make;

	if (!driver_columns(row, jstr(drv, "full_name"), drv, "driver_id", err))
		return false;
	if (!set_jtext(row, N_CAR, veh, "vehicle_number"))
		FEED_FAIL("vehicle_number", "the vehicle has no \"vehicle_number\"; it is part of the entry key");
	make = jstr(veh, "vehicle_manufacturer");
	if (make)
		set_ctext(row, N_MAKE,
				  strcmp(make, "Chv") == 0 ? "Chevrolet" :
				  strcmp(make, "Frd") == 0 ? "Ford" :
				  strcmp(make, "Tyt") == 0 ? "Toyota" : make);
	if (results)
	{
		if (!set_jint(row, N_START, veh, "starting_position", true, err) ||
			!set_jint(row, N_FINISH, veh, "running_position", true, err) ||
			!set_jint(row, N_LAPS, veh, "laps_completed", true, err))
			return false;
		row->values[N_LED] = Int32GetDatum(laps_led(veh));
		row->nulls[N_LED] = false;
		if (!row->nulls[N_FINISH])
		{
			row->values[N_WIN] = BoolGetDatum(DatumGetInt32(row->values[N_FINISH]) == 1);
			row->nulls[N_WIN] = false;
		}
	}
	row->values[N_HAS_RESULT] = BoolGetDatum(results && !row->nulls[N_FINISH]);
	row->nulls[N_HAS_RESULT] = false;
	return true;
}

/*
 * Live feed: results when the race is finished, the running state when
 * it is under way, entries of the race when it is a practice or
 * qualifying session.
 */
static void
live_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *vehicles = cJSON_GetObjectItemCaseSensitive(doc->root, "vehicles");
	cJSON	   *veh;
	FeedRace	fr;
	double		flag = jdouble(doc->root, "flag_state", -1);
	double		to_go = jdouble(doc->root, "laps_to_go", -1);
	double		run_type = jdouble(doc->root, "run_type", 3);
	bool		finished = flag == 9 || (flag == 4 && to_go == 0);
	bool		session = run_type != 3;
	int			i = 0;
	int			c;

	if (!cJSON_IsArray(vehicles))
		nascar_shape_error(doc, "$.vehicles", "\"vehicles\" is not an array");
	live_race(doc, &fr);

	/*
	 * A practice or qualifying session names the session and is dated
	 * its own day: keep the stored race's name and date.
	 */
	if (session)
	{
		fr.race_name = NULL;
		fr.has_date = false;
	}
	if (fr.race_num > 60)
		nascar_shape_error(doc, "$.race_id", "the race number of the season would exceed 60");

	if (!session && !finished)
	{
		int64		race_id = upsert_race(batch, &fr, "running");

		cJSON_ArrayForEach(veh, vehicles)
		{
			char	   *path = psprintf("$.vehicles[%d]", i++);

			if (!cJSON_IsObject(veh))
			{
				MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);
				LoadRow    *row = new_json_row(batch, veh, path);

				load_quarantine_row(batch, row, "parse", NULL, "a vehicle must be a JSON object");
				MemoryContextSwitchTo(old);
				continue;
			}
			live_state_row(batch, race_id, doc->root, veh, path);
		}
		return;
	}

	/* the live feed carries none of these: keep what is stored */
	batch->absent[N_TEAM] = true;
	for (c = N_POINTS; c < N_NCOLS; c++)
		batch->absent[c] = true;
	batch->absent[N_LAPS] = batch->absent[N_LED] = session;
	batch->absent[N_WIN] = session;
	batch->absent[N_HAS_RESULT] = false;
	if (session)
		batch->absent[N_START] = batch->absent[N_FINISH] = true;

	cJSON_ArrayForEach(veh, vehicles)
	{
		MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);
		LoadRow    *row = new_json_row(batch, veh, psprintf("$.vehicles[%d]", i++));
		FeedError	err = {NULL, NULL};

		if (!cJSON_IsObject(veh))
		{
			load_quarantine_row(batch, row, "parse", NULL, "a vehicle must be a JSON object");
			MemoryContextSwitchTo(old);
			continue;
		}
		race_columns(row, &fr, session ? "scheduled" : "result");
		if (!live_vehicle_row(veh, row, !session, &err))
		{
			load_quarantine_row(batch, row, "parse", err.column, err.message);
			MemoryContextSwitchTo(old);
			continue;
		}
		count_fields(batch, row, live_counted_cols,
					 session ? 5 : lengthof(live_counted_cols));
		MemoryContextSwitchTo(old);
		load_add_row(batch, row);
	}
}

/*
 * Race list: a bare array of races of one series, or {series_N: [...]}.
 */
static void
race_list_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *item;

	if (cJSON_IsArray(doc->root))
	{
		int			i = 0;

		cJSON_ArrayForEach(item, doc->root)
			race_only(batch, item, NULL, psprintf("$[%d]", i++));
		return;
	}
	cJSON_ArrayForEach(item, doc->root)
	{
		cJSON	   *race;
		const char *series = NULL;
		int			i = 0;

		if (strncmp(item->string, "series_", 7) == 0)
			series = series_name(atof(item->string + 7));
		if (series == NULL || !cJSON_IsArray(item))
			nascar_shape_error(doc, psprintf("$.\"%s\"", item->string),
							   "a race list holds arrays series_1, series_2 and series_3");
		cJSON_ArrayForEach(race, item)
			race_only(batch, race, series,
					  psprintf("$.\"%s\"[%d]", item->string, i++));
	}
}

/*
 * A timestamp member as written (local time, or UTC for the *_utc
 * members).  The sentinel 0001-01-01 and a missing member are NULL;
 * anything else that is not a timestamp fails with err set.
 */
static bool
jtimestamp(cJSON *obj, const char *key, Timestamp *out, bool *isnull,
		   FeedError *err)
{
	char	   *s = jstr(obj, key);
	struct pg_tm tm;

	*isnull = true;
	if (s == NULL || strncmp(s, "0001-01-01", 10) == 0 ||
		strncmp(s, "1900-01-01", 10) == 0)
		return true;
	memset(&tm, 0, sizeof(tm));
	if (!feed_parse_iso_timestamp(s, &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
								  &tm.tm_hour, &tm.tm_min, &tm.tm_sec))
		FEED_FAIL(key, "\"%s\": \"%.40s\" is not a timestamp YYYY-MM-DDTHH:MM:SS",
				  key, s);
	if (tm2timestamp(&tm, 0, NULL, out) != 0)
		FEED_FAIL(key, "\"%s\": \"%.40s\" is out of range", key, s);
	*isnull = false;
	return true;
}

/*
 * The race of a pre-race source (a schedule feed, an entry list): the
 * race stored under its NASCAR race id, or a new race in the season of
 * the given year with the next free race number, stored as scheduled at
 * once (store_new) or left to the caller to store with its first record
 * (*race_id 0).  With keep_date, a stored race keeps its date.  A stored race is updated only while it is scheduled (a
 * race under way or with results keeps its track, name and date), and
 * must be at the same track.  Sets *race_id and *finished (the race is
 * under way or has results); returns false with err set when the source
 * contradicts what is stored.
 */
static bool
prerace_race(LoadBatch *batch, FeedRace *fr, int year, bool store_new,
			 bool keep_date, int64 *race_id, bool *finished, FeedError *err)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Oid			stypes[4] = {TEXTOID, INT4OID, TEXTOID, INT4OID};
	Datum		values[4];
	bool		isnull;
	char	   *other;
	int			this_year;
	int			m,
				d;

	/* NASCAR race ids are unique across the series */
	values[0] = CStringGetTextDatum(fr->series);
	values[1] = Int64GetDatum(fr->nascar_race_id);
	other = spi_text_value("SELECT series FROM racing.nascar_race"
						   " WHERE series <> $1 AND nascar_race_id = $2 LIMIT 1",
						   2, types, values);
	if (other)
		FEED_FAIL("race_id", "race %lld is stored as a %s race, not %s",
				  (long long) fr->nascar_race_id, other, fr->series);

	*finished = false;
	if (stored_race(fr))
	{
		if (keep_date)
			fr->has_date = false;
	}
	else
	{
		/* a new race: this season or the next */
		j2date(GetCurrentTransactionStartTimestamp() / USECS_PER_DAY +
			   POSTGRES_EPOCH_JDATE, &this_year, &m, &d);
		if (year < 1949 || year > this_year + 1)
			FEED_FAIL("race_id", "race %lld would be in season %d, out of range 1949..%d",
					  (long long) fr->nascar_race_id, year, this_year + 1);
		fr->season = year;
		resolve_race_num(fr);
		if (fr->race_num > 60)
			FEED_FAIL("race_id", "race %lld would be race number %d of the %s %d season, out of range 1..60",
					  (long long) fr->nascar_race_id, fr->race_num, fr->series, fr->season);
	}

	/*
	 * The race stored under that number (found by its race id, or a
	 * nascaR.data race taken by track and name), if any.
	 */
	values[1] = Int32GetDatum(fr->season);
	values[2] = CStringGetTextDatum(fr->track);
	values[3] = Int32GetDatum(fr->race_num);
	if (SPI_execute_with_args("SELECT r.race_id, r.status, t.name,"
							  " EXISTS (SELECT 1 FROM racing.track_alias a"
							  "  WHERE a.track_id = r.track_id AND racing._name_key(a.alias) ="
							  "   racing._name_key($3))"
							  " FROM racing.nascar_race r JOIN racing.track t USING (track_id)"
							  " WHERE r.series = $1 AND r.season = $2 AND r.race_num = $4",
							  4, stypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "racing: could not read a stored race");
	if (SPI_processed == 1)
	{
		char	   *status;
		char	   *stored_track;
		bool		same_track;

		*race_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		stored_track = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
		same_track = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 4, &isnull));
		if (!same_track)
			FEED_FAIL("track", "race %lld is stored at %s, not at %.60s",
					  (long long) fr->nascar_race_id, stored_track, fr->track);
		/* a race under way or with results is left as it is */
		if (strcmp(status, "scheduled") != 0)
		{
			*finished = true;
			return true;
		}
	}
	if (SPI_processed == 0 && !store_new)
	{
		*race_id = 0;			/* the caller stores it when it has a record */
		return true;
	}
	*race_id = upsert_race(batch, fr, "scheduled");
	return true;
}

/*
 * Read one session of a schedule feed and store it with its race.
 * Returns false with err set when the session cannot be stored.
 */
static bool
schedule_session(LoadBatch *batch, cJSON *item, FeedError *err)
{
	FeedRace	fr;
	char	   *event;
	double		run_type;
	Timestamp	ts[4];
	bool		tsnull[4];
	static const char *const tskeys[4] = {
		"start_time", "end_time", "start_time_utc", "end_time_utc"
	};
	Oid			types[8] = {INT8OID, TEXTOID, INT4OID, TIMESTAMPOID,
	TIMESTAMPOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID};
	Datum		values[8];
	char		nulls[8];
	fsec_t		fsec;
	struct pg_tm tm;
	bool		isnull;
	char	   *outcome;
	int64		race_id;
	bool		finished;
	int			i;

	memset(&fr, 0, sizeof(fr));
	fr.series = series_name(jdouble(item, "series_id", -1));
	if (fr.series == NULL)
		FEED_FAIL("series_id", "\"series_id\" is not 1 (cup), 2 (xfinity) or 3 (truck)");
	fr.nascar_race_id = jidnum(item, "race_id");
	if (fr.nascar_race_id <= 0)
		FEED_FAIL("race_id", "\"race_id\" is missing or not a whole number from 1 to 9e15");
	fr.track = jstr(item, "track_name");
	if (fr.track == NULL)
		FEED_FAIL("track_name", "the session has no \"track_name\"");
	if (strlen(fr.track) > 200)
		FEED_FAIL("track_name", "\"track_name\" is longer than 200 bytes");
	fr.race_name = jstr(item, "race_name");
	if (fr.race_name && strlen(fr.race_name) > 200)
		FEED_FAIL("race_name", "\"race_name\" is longer than 200 bytes");
	event = jstr(item, "event_name");
	if (event == NULL)
		FEED_FAIL("event_name", "the session has no \"event_name\"; it is part of the session key");
	if (strlen(event) > 200)
		FEED_FAIL("event_name", "\"event_name\" is longer than 200 bytes");
	run_type = jdouble(item, "run_type", 0);
	if (run_type != 1 && run_type != 2 && run_type != 3)
		FEED_FAIL("run_type", "\"run_type\" is not 1 (practice), 2 (qualifying) or 3 (race)");
	for (i = 0; i < 4; i++)
		if (!jtimestamp(item, tskeys[i], &ts[i], &tsnull[i], err))
			return false;
	if (tsnull[0])
		FEED_FAIL("start_time", "the session has no \"start_time\"; it dates the race");
	if (!tsnull[1] && ts[1] < ts[0])
		FEED_FAIL("end_time", "\"end_time\" is before \"start_time\"");
	if (timestamp2tm(ts[0], NULL, &tm, &fsec, NULL, NULL) != 0)
		FEED_FAIL("start_time", "\"start_time\" is out of range");

	/* the race: dated by its race session, in the season of its year */
	if (run_type == 3)
	{
		fr.date = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
		fr.has_date = true;
	}
	if (!prerace_race(batch, &fr, tm.tm_year, true, false, &race_id, &finished, err))
		return false;
	values[0] = Int64GetDatum(race_id);

	memset(nulls, ' ', sizeof(nulls));
	values[1] = CStringGetTextDatum(event);
	values[2] = Int32GetDatum((int32) run_type);
	for (i = 0; i < 4; i++)
	{
		values[3 + i] = TimestampGetDatum(ts[i]);
		nulls[3 + i] = tsnull[i] ? 'n' : ' ';
	}
	values[7] = Int64GetDatum(batch->batch_id);
	if (SPI_execute_with_args("SELECT racing._upsert_nascar_session($1, $2, $3, $4, $5, $6, $7, $8)",
							  8, types, values, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "racing: could not store a NASCAR session");
	outcome = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
	batch->rows_read++;
	/* an end time is often not known before the session: not counted */
	batch->fields_expected += 3;
	batch->fields_filled += 2 + (fr.race_name != NULL);
	if (strcmp(outcome, "stored") == 0)
		batch->rows_stored++;
	else if (strcmp(outcome, "updated") == 0)
		batch->rows_updated++;
	else
		batch->rows_duplicate++;
	return true;
}

/*
 * Schedule feed: an array of the sessions (practice, qualifying, race)
 * of coming race weekends.  Each session is one record, kept in
 * racing.nascar_session; its race is stored as scheduled and dated by
 * its "Race" session.
 */
static void
schedule_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *item;
	int			i = 0;

	List	   *keys = NIL;		/* "series|race_id|event" of each session */
	List	   *texts = NIL;	/* its JSON */
	List	   *paths = NIL;

	cJSON_ArrayForEach(item, doc->root)
	{
		MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);
		char	   *path = psprintf("$[%d]", i++);
		LoadRow    *row = new_json_row(batch, item, path);
		FeedError	err = {NULL, NULL};
		char	   *key;
		ListCell   *lk;
		ListCell   *lt;
		ListCell   *lp;
		bool		seen = false;

		MemoryContextSwitchTo(old);
		if (!cJSON_IsObject(item))
		{
			load_quarantine_row(batch, row, "parse", NULL, "a session must be a JSON object");
			continue;
		}

		/* a session given twice: the same is a duplicate, another a conflict */
		key = psprintf("%s|%s|%s", jstr(item, "series_id"), jstr(item, "race_id"),
					   jstr(item, "event_name"));
		forthree(lk, keys, lt, texts, lp, paths)
		{
			if (strcmp(lfirst(lk), key) != 0)
				continue;
			seen = true;
			if (strcmp(lfirst(lt), row->raw_values[0] ? row->raw_values[0] : "") == 0)
			{
				batch->rows_read++;
				batch->rows_duplicate++;
			}
			else
				load_quarantine_row(batch, row, "conflicting_duplicate", "event_name",
									psprintf("the same session occurs earlier in the file, at %s, with other values",
											 (char *) lfirst(lp)));
			break;
		}
		if (seen)
			continue;
		if (!schedule_session(batch, item, &err))
		{
			load_quarantine_row(batch, row, "parse", err.column, err.message);
			continue;
		}
		keys = lappend(keys, key);
		texts = lappend(texts, pstrdup(row->raw_values[0] ? row->raw_values[0] : ""));
		paths = lappend(paths, pstrdup(path));
	}
}

/* series of an entry list's key: NCS cup, NOS xfinity (O'Reilly), NTS truck */
static const char *
entry_list_series(const char *code)
{
	if (strcmp(code, "NCS") == 0)
		return "cup";
	if (strcmp(code, "NOS") == 0 || strcmp(code, "NXS") == 0)
		return "xfinity";
	if (strcmp(code, "NTS") == 0)
		return "truck";
	return NULL;
}

/*
 * The race of one series block of a derived entry list.  Returns false
 * with err set when the block does not identify a race.
 */
static bool
entry_list_race(LoadBatch *batch, cJSON *block, const char *code, FeedRace *fr,
				int64 *race_id, bool *finished, FeedError *err)
{
	char	   *date;
	int			y,
				m,
				d;

	memset(fr, 0, sizeof(*fr));
	fr->series = entry_list_series(code);
	if (fr->series == NULL)
		FEED_FAIL("series", "series \"%.20s\" is not NCS (cup), NOS (xfinity) or NTS (truck)", code);
	if (!cJSON_IsObject(block))
		FEED_FAIL("series", "series \"%s\" is not an object", code);
	fr->nascar_race_id = jidnum(block, "race_id");
	if (fr->nascar_race_id <= 0)
		FEED_FAIL("race_id", "series \"%s\": \"race_id\" is missing or not a whole number from 1 to 9e15", code);
	fr->track = jstr(block, "track");
	if (fr->track == NULL)
		FEED_FAIL("track", "series \"%s\" has no \"track\"", code);
	if (strlen(fr->track) > 200)
		FEED_FAIL("track", "\"track\" is longer than 200 bytes");
	date = jstr(block, "race_date");
	if (date == NULL || !feed_parse_iso_date(date, &y, &m, &d))
		FEED_FAIL("race_date", "series \"%s\" has no \"race_date\" YYYY-MM-DD; it gives the season", code);
	/* a stored race keeps its own date; a new one is dated by the list */
	fr->date = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	fr->has_date = true;
	return prerace_race(batch, fr, y, false, true, race_id, finished, err);
}

/*
 * The car of the stored entry of a race by the driver's NASCAR id, or
 * NULL.
 */
static char *
stored_car(FeedRace *fr, int64 nascar_driver_id)
{
	Oid			types[4] = {TEXTOID, INT4OID, INT4OID, INT8OID};
	Datum		values[4];

	values[0] = CStringGetTextDatum(fr->series);
	values[1] = Int32GetDatum(fr->season);
	values[2] = Int32GetDatum(fr->race_num);
	values[3] = Int64GetDatum(nascar_driver_id);
	return spi_text_value("SELECT e.car FROM racing.nascar_entry e"
						  " JOIN racing.nascar_race r USING (race_id)"
						  " JOIN racing.driver d ON d.driver_id = e.driver_id"
						  " WHERE r.series = $1 AND r.season = $2 AND r.race_num = $3"
						  " AND d.nascar_driver_id = $4 ORDER BY e.entry_id LIMIT 1",
						  4, types, values);
}

/*
 * Fill a declared entry from one item of a derived entry list: a car
 * from an entry-list PDF, or (items from betting odds, which name no
 * car) the car of the race's stored entry of that driver.
 */
static bool
entry_list_row(FeedRace *fr, bool finished, cJSON *item, LoadRow *row,
			   FeedError *err)
{
	cJSON	   *car_item = cJSON_GetObjectItemCaseSensitive(item, "car");

	if (!driver_columns(row, jstr(item, "driver"), item, "driver_id", err))
		return false;
	if (car_item && !cJSON_IsNull(car_item) &&
		!cJSON_IsString(car_item) && !cJSON_IsNumber(car_item))
		FEED_FAIL("car", "\"car\" is neither a string nor a number");
	if (set_jtext(row, N_CAR, item, "car"))
	{
		char	   *car = TextDatumGetCString(row->values[N_CAR]);
		Oid			types[6] = {TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, INT8OID};
		Datum		values[6];

		if (strlen(car) > 20)
			FEED_FAIL("car", "\"car\" is longer than 20 bytes");
		if (!finished)
			return true;
		/* a race under way or with results gets no new entries */
		values[0] = CStringGetTextDatum(fr->series);
		values[1] = Int32GetDatum(fr->season);
		values[2] = Int32GetDatum(fr->race_num);
		values[3] = CStringGetTextDatum(car);
		values[4] = row->values[N_DRIVER];
		values[5] = row->nulls[N_NASCAR_DRIVER_ID] ? Int64GetDatum(0) :
			row->values[N_NASCAR_DRIVER_ID];
		if (spi_text_value("SELECT e.car FROM racing.nascar_entry e"
						   " JOIN racing.nascar_race r USING (race_id)"
						   " JOIN racing.driver d ON d.driver_id = e.driver_id"
						   " WHERE r.series = $1 AND r.season = $2 AND r.race_num = $3"
						   " AND e.car = $4 AND (d.name = $5 OR d.nascar_driver_id = $6)",
						   6, types, values) == NULL)
			FEED_FAIL("car", "race %lld has started and has no entry of %s in car %s; an entry list adds no entries to it",
					  (long long) fr->nascar_race_id,
					  TextDatumGetCString(row->values[N_DRIVER]), car);
		return true;
	}
	if (!row->nulls[N_NASCAR_DRIVER_ID])
	{
		char	   *car = stored_car(fr, DatumGetInt64(row->values[N_NASCAR_DRIVER_ID]));

		if (car)
		{
			set_ctext(row, N_CAR, car);
			return true;
		}
	}
	FEED_FAIL("car", "the entry names no car and race %lld has no stored entry of driver %s to take it from; "
			  "load the race's weekend or practice live feed first",
			  (long long) fr->nascar_race_id,
			  row->nulls[N_NASCAR_DRIVER_ID] ? "without a driver_id" :
			  psprintf("%lld", (long long) DatumGetInt64(row->values[N_NASCAR_DRIVER_ID])));
}

/*
 * Derived entry list (not a NASCAR feed): {generated, series: {NCS:
 * {race_id, track, race_date, entries: [...]}}}.  Each item is a
 * declared entry of the race, stored without a result like the vehicles
 * of a practice session.  Win probabilities and odds are a third party's
 * forecast, not racing facts, and are not stored.
 */
static void
entry_list_load(LoadBatch *batch, FeedDoc *doc)
{
	cJSON	   *series = cJSON_GetObjectItemCaseSensitive(doc->root, "series");
	cJSON	   *block;
	int			c;

	batch->absent[N_TEAM] = batch->absent[N_MAKE] = true;
	batch->absent[N_START] = batch->absent[N_FINISH] = true;
	for (c = N_POINTS; c < N_NCOLS; c++)
		batch->absent[c] = true;
	batch->absent[N_HAS_RESULT] = false;

	cJSON_ArrayForEach(block, series)
	{
		cJSON	   *entries = cJSON_GetObjectItemCaseSensitive(block, "entries");
		cJSON	   *item;
		FeedRace	fr;
		FeedError	rerr = {NULL, NULL};
		bool		race_ok;
		bool		finished = false;
		int64		race_id = 0;
		int			i = 0;

		if (!cJSON_IsArray(entries))
			nascar_shape_error(doc, psprintf("$.series.\"%s\".entries", block->string),
							   "\"entries\" is not an array");
		race_ok = entry_list_race(batch, block, block->string, &fr, &race_id,
								  &finished, &rerr);
		cJSON_ArrayForEach(item, entries)
		{
			MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);
			LoadRow    *row = new_json_row(batch, item,
										   psprintf("$.series.\"%s\".entries[%d]",
													block->string, i++));
			FeedError	err = {NULL, NULL};

			if (!race_ok)
				load_quarantine_row(batch, row, "parse", rerr.column, rerr.message);
			else if (!cJSON_IsObject(item))
				load_quarantine_row(batch, row, "parse", NULL, "an entry must be a JSON object");
			else
			{
				race_columns(row, &fr, "scheduled");
				if (!entry_list_row(&fr, finished, item, row, &err))
					load_quarantine_row(batch, row, "parse", err.column, err.message);
				else
				{
					/* a new race is stored with its first entry */
					if (race_id == 0)
						race_id = upsert_race(batch, &fr, "scheduled");
					row->values[N_HAS_RESULT] = BoolGetDatum(false);
					row->nulls[N_HAS_RESULT] = false;
					count_fields(batch, row, live_counted_cols, 4);
					MemoryContextSwitchTo(old);
					load_add_row(batch, row);
					continue;
				}
			}
			MemoryContextSwitchTo(old);
		}
	}
}

/*
 * Load a NASCAR document after telling which feed it is.
 */
static Datum
nascar_feed_load(FunctionCallInfo fcinfo, FeedDoc *doc)
{
	LoadBatch  *batch;
	Datum		result;
	cJSON	   *root;
	const char *format;
	enum
	{
		FEED_WEEKEND, FEED_LIVE, FEED_RACE_LIST, FEED_SCHEDULE, FEED_ENTRY_LIST
	}			kind;

	parse_document(doc, "the NASCAR feed");
	root = doc->root;
	if (cJSON_IsArray(root))
	{
		cJSON	   *first = cJSON_GetArrayItem(root, 0);

		if (first && cJSON_GetObjectItemCaseSensitive(first, "event_name") &&
			!cJSON_GetObjectItemCaseSensitive(first, "race_season"))
		{
			kind = FEED_SCHEDULE;
			format = "nascar-schedule-feed";
		}
		else
		{
			if (first && !cJSON_GetObjectItemCaseSensitive(first, "race_season"))
				nascar_shape_error(doc, "$[0]", "the array holds neither races with \"race_season\" nor sessions with \"event_name\"");
			kind = FEED_RACE_LIST;
			format = "nascar-race-list";
		}
	}
	else if (!cJSON_IsObject(root))
		nascar_shape_error(doc, "$", "the document is neither an object nor an array");
	else if (cJSON_GetObjectItemCaseSensitive(root, "weekend_race"))
	{
		kind = FEED_WEEKEND;
		format = "nascar-weekend-feed";
	}
	else if (cJSON_GetObjectItemCaseSensitive(root, "vehicles"))
	{
		kind = FEED_LIVE;
		format = "nascar-live-feed";
	}
	else if (cJSON_GetObjectItemCaseSensitive(root, "series_1") ||
			 cJSON_GetObjectItemCaseSensitive(root, "series_2") ||
			 cJSON_GetObjectItemCaseSensitive(root, "series_3"))
	{
		kind = FEED_RACE_LIST;
		format = "nascar-race-list";
	}
	else if (cJSON_GetObjectItemCaseSensitive(root, "generated") &&
			 cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "series")))
	{
		kind = FEED_ENTRY_LIST;
		format = "nascar-entry-list";
	}
	else
		nascar_shape_error(doc, "$", "the object has none of weekend_race, vehicles, series_1..series_3 or generated and series");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "racing: SPI_connect failed");
	batch = load_batch_begin(SPORT_NASCAR, format, doc->source);
	if (kind == FEED_WEEKEND)
		weekend_load(batch, doc);
	else if (kind == FEED_LIVE)
		live_load(batch, doc);
	else if (kind == FEED_SCHEDULE)
		schedule_load(batch, doc);
	else if (kind == FEED_ENTRY_LIST)
		entry_list_load(batch, doc);
	else
		race_list_load(batch, doc);
	cJSON_Delete(doc->root);
	doc->root = NULL;
	load_batch_finish(batch);
	result = load_batch_report(batch, fcinfo);
	SPI_finish();
	return result;
}

/* ---------------------------------------------------------------------
 * SQL entry points
 * ---------------------------------------------------------------------
 */

/* a text argument that must not be NULL */
static char *
feed_text_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name),
				 errhint("Pass the JSON text, or a file path, and a source name.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* the document of a *_data function */
static void
data_doc(FunctionCallInfo fcinfo, FeedDoc *doc)
{
	doc->text = feed_text_arg(fcinfo, 0, "data");
	doc->len = strlen(doc->text);
	doc->source = feed_text_arg(fcinfo, 1, "source");
}

/*
 * racing.load_racecards(path text) returns racing.load_report
 */
Datum
load_racecards_file(PG_FUNCTION_ARGS)
{
	FeedDoc		doc = {0};

	read_server_file(&doc, feed_text_arg(fcinfo, 0, "path"),
					 "racing.load_racecards_data");
	return racecards_load(fcinfo, &doc);
}

/*
 * racing.load_racecards_data(data text, source text) returns
 * racing.load_report
 */
Datum
load_racecards_data(PG_FUNCTION_ARGS)
{
	FeedDoc		doc = {0};

	data_doc(fcinfo, &doc);
	return racecards_load(fcinfo, &doc);
}

/*
 * racing.load_nascar_feed(path text) returns racing.load_report
 */
Datum
load_nascar_feed_file(PG_FUNCTION_ARGS)
{
	FeedDoc		doc = {0};

	read_server_file(&doc, feed_text_arg(fcinfo, 0, "path"),
					 "racing.load_nascar_feed_data");
	return nascar_feed_load(fcinfo, &doc);
}

/*
 * racing.load_nascar_feed_data(data text, source text) returns
 * racing.load_report
 */
Datum
load_nascar_feed_data(PG_FUNCTION_ARGS)
{
	FeedDoc		doc = {0};

	data_doc(fcinfo, &doc);
	return nascar_feed_load(fcinfo, &doc);
}
