/*-------------------------------------------------------------------------
 *
 * load_common.c
 *	  The part of the load path that every input format shares: load
 *	  batches, the quarantine, grouping rows into races, race-level
 *	  validation and the upsert of whole races.
 *
 * A reader hands typed rows (LoadRow, see load.h) to load_add_row().
 * Each row is validated on its own first (validate.c); rows that pass
 * are collected per race.  When a race is complete (the next row belongs
 * to another race, or the input ends) it is checked as a whole:
 * race-level fields must agree on every row, finishing positions must
 * be unique except for dead heats, positions may not exceed the field.
 * Complete races wait in a pending list that is written every
 * LOAD_FLUSH_ROWS rows with one INSERT ... ON CONFLICT per entry table,
 * so statement-level triggers see whole races.
 *
 * Natural keys make a reload idempotent: an entry whose stored columns
 * already equal the new values is counted as a duplicate and not
 * written; one that differs is updated, and the BEFORE UPDATE trigger
 * keeps the old version in the history table.
 *
 * Everything runs through SPI in the caller's transaction: a load is
 * atomic, and an error that escapes (a missing file, a header without
 * key columns) leaves nothing behind.  Row-level problems never raise an
 * error; they are written to racing.quarantine.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "load.h"
#include "racing.h"

/* first key of the advisory lock that orders loads ("racg") */
#define RACING_LOAD_LOCK_KEY	0x72616367

/* longest raw value kept whole in racing.quarantine.raw */
#define QUARANTINE_MAX_VALUE	(1024 * 1024)

/* rows written per INSERT statement (whole races, so a little more) */
#define LOAD_FLUSH_ROWS 2000

/*
 * How a column of an entry table is merged into an existing row.
 * MERGE_PRE keeps the stored value when the new one is NULL (a results
 * file does not wipe what a race card declared); MERGE_POST replaces the
 * stored value only when the new row carries a result; MERGE_SET
 * always replaces.
 */
typedef enum MergeRule
{
	MERGE_PRE,
	MERGE_POST,
	MERGE_SET
} MergeRule;

/* A column of the entry upsert: where its value comes from. */
typedef struct EntryColumn
{
	const char *name;			/* column of the entry table */
	Oid			type;			/* element type of the parameter array */
	int			source;			/* row column, or one of the ids below */
	MergeRule	merge;
} EntryColumn;

/* pseudo row columns for the resolved ids */
#define SRC_RACE_ID		(-1)
#define SRC_PART_ID		(-2)	/* horse or driver */
#define SRC_DIM1_ID		(-3)	/* jockey or team */
#define SRC_DIM2_ID		(-4)	/* trainer */
#define SRC_BATCH_ID	(-5)
#define SRC_LINE_NO		(-6)

static const EntryColumn horse_entry_columns[] = {
	{"race_id", INT8OID, SRC_RACE_ID, MERGE_SET},
	{"horse_id", INT8OID, SRC_PART_ID, MERGE_SET},
	{"num", INT4OID, H_NUM, MERGE_PRE},
	{"draw", INT4OID, H_DRAW, MERGE_PRE},
	{"age", INT4OID, H_AGE, MERGE_PRE},
	{"sex", TEXTOID, H_SEX, MERGE_PRE},
	{"lbs", INT4OID, H_LBS, MERGE_PRE},
	{"headgear", TEXTOID, H_HEADGEAR, MERGE_PRE},
	{"jockey_id", INT4OID, SRC_DIM1_ID, MERGE_PRE},
	{"claim", INT4OID, H_CLAIM, MERGE_PRE},
	{"trainer_id", INT4OID, SRC_DIM2_ID, MERGE_PRE},
	{"owner", TEXTOID, H_OWNER, MERGE_PRE},
	{"official_rating", INT4OID, H_OFFICIAL_RATING, MERGE_PRE},
	{"non_runner", BOOLOID, H_NON_RUNNER, MERGE_PRE},
	{"sp_decimal", FLOAT4OID, H_SP_DECIMAL, MERGE_PRE},
	{"sp_favourite", TEXTOID, H_SP_FAVOURITE, MERGE_PRE},
	{"pos_text", TEXTOID, H_POS_TEXT, MERGE_POST},
	{"position", INT4OID, H_POSITION, MERGE_POST},
	{"finished", BOOLOID, H_FINISHED, MERGE_POST},
	{"dead_heat", BOOLOID, H_DEAD_HEAT, MERGE_POST},
	{"pos_code", TEXTOID, H_POS_CODE, MERGE_POST},
	{"ovr_btn", FLOAT4OID, H_OVR_BTN, MERGE_POST},
	{"btn", FLOAT4OID, H_BTN, MERGE_POST},
	{"time_secs", FLOAT4OID, H_TIME_SECS, MERGE_POST},
	{"prize", NUMERICOID, H_PRIZE, MERGE_POST},
	{"prize_currency", TEXTOID, H_PRIZE_CURRENCY, MERGE_POST},
	{"rpr", INT4OID, H_RPR, MERGE_POST},
	{"ts", INT4OID, H_TS, MERGE_POST},
	{"comment", TEXTOID, H_COMMENT, MERGE_POST},
	{"has_result", BOOLOID, H_HAS_RESULT, MERGE_POST},
};

static const EntryColumn nascar_entry_columns[] = {
	{"race_id", INT8OID, SRC_RACE_ID, MERGE_SET},
	{"driver_id", INT4OID, SRC_PART_ID, MERGE_SET},
	{"car", TEXTOID, N_CAR, MERGE_SET},
	{"team_id", INT4OID, SRC_DIM1_ID, MERGE_PRE},
	{"make", TEXTOID, N_MAKE, MERGE_PRE},
	{"start_pos", INT4OID, N_START, MERGE_PRE},
	{"scratched", BOOLOID, N_SCRATCHED, MERGE_PRE},
	{"finish", INT4OID, N_FINISH, MERGE_POST},
	{"points", INT4OID, N_POINTS, MERGE_POST},
	{"laps", INT4OID, N_LAPS, MERGE_POST},
	{"laps_led", INT4OID, N_LED, MERGE_POST},
	{"status", TEXTOID, N_STATUS, MERGE_POST},
	{"status_category", TEXTOID, N_STATUS_CATEGORY, MERGE_POST},
	{"stage1", INT4OID, N_STAGE1, MERGE_POST},
	{"stage2", INT4OID, N_STAGE2, MERGE_POST},
	{"stage3", INT4OID, N_STAGE3, MERGE_POST},
	{"rating", FLOAT4OID, N_RATING, MERGE_POST},
	{"win", BOOLOID, N_WIN, MERGE_POST},
	{"seg_points", INT4OID, N_SEG_POINTS, MERGE_POST},
	{"has_result", BOOLOID, N_HAS_RESULT, MERGE_POST},
};

/* dimension cache: kind + name -> id */
typedef struct DimKey
{
	char		kind;
	char		name[NAMEDATALEN * 2];
} DimKey;

typedef struct DimEntry
{
	DimKey		key;
	int64		id;
} DimEntry;

/* one pending race: its rows and its resolved id */
typedef struct PendingRace
{
	List	   *rows;
	int64		race_id;
	bool		late;
} PendingRace;

static SPIPlanPtr horse_upsert_plan = NULL;
static SPIPlanPtr nascar_upsert_plan = NULL;
static SPIPlanPtr quarantine_plan = NULL;

static void load_finish_group(LoadBatch *batch);
static void load_flush(LoadBatch *batch);
static void quarantine_added_row(LoadBatch *batch, LoadRow *row,
								 const char *rule, const char *column,
								 const char *message);

/*
 * Plans of the small queries the load runs once per race or per new name,
 * prepared on first use and kept for the life of the backend.  The SQL
 * texts are string constants, so their addresses identify them.
 */
typedef struct LoadPlan
{
	const char *sql;
	SPIPlanPtr	plan;
} LoadPlan;

static LoadPlan load_plans[32];
static int	nload_plans = 0;

static SPIPlanPtr
cached_plan(const char *sql, int nargs, Oid *types)
{
	int			i;
	SPIPlanPtr	plan;
	MemoryContext cxt;

	for (i = 0; i < nload_plans; i++)
	{
		if (load_plans[i].sql == sql)
			return load_plans[i].plan;
	}
	cxt = CurrentMemoryContext;
	plan = SPI_prepare(sql, nargs, types);
	MemoryContextSwitchTo(cxt);
	if (plan == NULL)
		elog(ERROR, "racing: could not prepare \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	if (nload_plans >= (int) lengthof(load_plans))
		elog(ERROR, "racing: too many distinct load queries");
	SPI_keepplan(plan);
	load_plans[nload_plans].sql = sql;
	load_plans[nload_plans].plan = plan;
	nload_plans++;
	return plan;
}

/*
 * Run a query that returns one int8 (or NULL as 0).  sql must be a string
 * constant: its plan is cached by address.
 */
static int64
spi_int8(const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls)
{
	bool		isnull;
	Datum		d;
	int			ret;
	MemoryContext cxt = CurrentMemoryContext;

	/* SPI calls return in SPI's procedure context: come back to ours */
	ret = SPI_execute_plan(cached_plan(sql, nargs, types), values, nulls,
						   false, 1);
	MemoryContextSwitchTo(cxt);
	if (ret < 0 || SPI_processed != 1)
		elog(ERROR, "racing: query did not return one row: %s", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
					  &isnull);
	SPI_freetuptable(SPI_tuptable);
	if (isnull)
		return 0;
	return DatumGetInt64(d);
}

/*
 * Start a batch: a row in racing.batch, memory contexts, caches, and the
 * newest result already stored, against which late rows are counted.
 */
LoadBatch *
load_batch_begin(LoadSport sport, const char *format, const char *source)
{
	LoadBatch  *batch;
	MemoryContext cxt;
	HASHCTL		ctl;
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	/*
	 * Loads of one sport run one at a time: a load waits here until a load
	 * of the same sport in another transaction commits or aborts.  Two
	 * loads of overlapping files would otherwise insert the same new
	 * names, races and entries in different orders and could deadlock.
	 */
	DirectFunctionCall2(pg_advisory_xact_lock_int4,
						Int32GetDatum(RACING_LOAD_LOCK_KEY),
						Int32GetDatum((int32) sport));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "racing load batch",
								ALLOCSET_DEFAULT_SIZES);
	batch = MemoryContextAllocZero(cxt, sizeof(LoadBatch));
	batch->cxt = cxt;
	batch->group_cxt = AllocSetContextCreate(cxt, "racing load rows",
											 ALLOCSET_DEFAULT_SIZES);
	batch->tmp_cxt = AllocSetContextCreate(cxt, "racing load scratch",
										   ALLOCSET_DEFAULT_SIZES);
	batch->sport = sport;
	batch->format = MemoryContextStrdup(cxt, format);
	batch->source = MemoryContextStrdup(cxt, source);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(DimKey);
	ctl.entrysize = sizeof(DimEntry);
	ctl.hcxt = cxt;
	batch->dim_cache = hash_create("racing dimension ids", 4096, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	values[0] = CStringGetTextDatum(sport == SPORT_HORSE ? "horse" : "nascar");
	values[1] = CStringGetTextDatum(format);
	values[2] = CStringGetTextDatum(source);
	batch->batch_id = spi_int8("INSERT INTO racing.batch (sport, format, source)"
							   " VALUES ($1, $2, $3) RETURNING batch_id",
							   3, types, values, NULL);

	if (sport == SPORT_HORSE)
		batch->newest_before = (DateADT)
			spi_int8("SELECT coalesce(max(race_date), '1900-01-01')::date"
					 " - '2000-01-01'::date FROM racing.race"
					 " WHERE status = 'result'", 0, NULL, NULL, NULL);
	else
	{
		int64		v = spi_int8("SELECT coalesce(max(season * 1000 + race_num), 0)"
								 " FROM racing.nascar_race WHERE status = 'result'",
								 0, NULL, NULL, NULL);

		batch->newest_season_before = (int32) (v / 1000);
		batch->newest_race_before = (int32) (v % 1000);
	}
	return batch;
}

/*
 * Copy a row into another memory context (used when the row context of
 * the batch is replaced after a flush).
 */
static LoadRow *
load_row_copy(LoadBatch *batch, LoadRow *row, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LoadRow    *copy = palloc(sizeof(LoadRow));
	int			ncols = batch->sport == SPORT_HORSE ? H_NCOLS : N_NCOLS;
	int			i;

	memcpy(copy, row, sizeof(LoadRow));
	for (i = 0; i < ncols; i++)
	{
		if (!row->nulls[i] && !get_typbyval_for_col(batch->sport, i))
			copy->values[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(row->values[i]));
	}
	if (row->json_path)
		copy->json_path = pstrdup(row->json_path);
	if (row->nraw > 0)
	{
		copy->raw_names = palloc(sizeof(char *) * row->nraw);
		copy->raw_values = palloc(sizeof(char *) * row->nraw);
		for (i = 0; i < row->nraw; i++)
		{
			copy->raw_names[i] = row->raw_names[i] ? pstrdup(row->raw_names[i]) : NULL;
			copy->raw_values[i] = row->raw_values[i] ? pstrdup(row->raw_values[i]) : NULL;
		}
	}
	MemoryContextSwitchTo(old);
	return copy;
}

/*
 * Is column i of the sport's row passed by value?  Text columns are the
 * only by-reference ones.
 */
bool
get_typbyval_for_col(LoadSport sport, int col)
{
	if (sport == SPORT_HORSE)
	{
		switch ((HorseCol) col)
		{
			case H_RACE_DATE:
			case H_OFF_TIME:
			case H_DIST_YARDS:
			case H_DIST_F:
			case H_DIST_M:
			case H_RAN:
			case H_RP_RACE_ID:
			case H_NUM:
			case H_DRAW:
			case H_AGE:
			case H_LBS:
			case H_OFFICIAL_RATING:
			case H_NON_RUNNER:
			case H_RP_HORSE_ID:
			case H_RP_JOCKEY_ID:
			case H_RP_TRAINER_ID:
			case H_CLAIM:
			case H_SP_DECIMAL:
			case H_POSITION:
			case H_FINISHED:
			case H_DEAD_HEAT:
			case H_OVR_BTN:
			case H_BTN:
			case H_TIME_SECS:
			case H_PRIZE:
			case H_RPR:
			case H_TS:
			case H_HAS_RESULT:
				return true;
			default:
				return false;
		}
	}
	switch ((NascarCol) col)
	{
		case N_SERIES:
		case N_TRACK:
		case N_RACE_NAME:
		case N_SURFACE:
		case N_RACE_STATUS:
		case N_DRIVER:
		case N_CAR:
		case N_TEAM:
		case N_MAKE:
		case N_STATUS:
		case N_STATUS_CATEGORY:
			return false;
		default:
			return true;
	}
}

/*
 * Do two rows belong to the same race?
 */
static bool
same_race(LoadBatch *batch, LoadRow *a, LoadRow *b)
{
	if (batch->sport == SPORT_HORSE)
	{
		if (DatumGetDateADT(a->values[H_RACE_DATE]) !=
			DatumGetDateADT(b->values[H_RACE_DATE]))
			return false;
		if (DatumGetTimeADT(a->values[H_OFF_TIME]) !=
			DatumGetTimeADT(b->values[H_OFF_TIME]))
			return false;
		return strcmp(TextDatumGetCString(a->values[H_COURSE]),
					  TextDatumGetCString(b->values[H_COURSE])) == 0;
	}
	if (DatumGetInt32(a->values[N_SEASON]) != DatumGetInt32(b->values[N_SEASON]) ||
		DatumGetInt32(a->values[N_RACE_NUM]) != DatumGetInt32(b->values[N_RACE_NUM]))
		return false;
	return strcmp(TextDatumGetCString(a->values[N_SERIES]),
				  TextDatumGetCString(b->values[N_SERIES])) == 0;
}

/*
 * Take one typed row from a reader.  The row must have been allocated
 * in batch->group_cxt (load_row_new).
 */
void
load_add_row(LoadBatch *batch, LoadRow *row)
{
	const char *rule = NULL;
	const char *column = NULL;
	char	   *message = NULL;
	bool		ok;

	MemoryContext caller_cxt;

	batch->rows_read++;
	CHECK_FOR_INTERRUPTS();

	/* whatever the checks below allocate lives until the next row */
	MemoryContextReset(batch->tmp_cxt);
	caller_cxt = MemoryContextSwitchTo(batch->tmp_cxt);

	if (batch->sport == SPORT_HORSE)
		ok = validate_horse_row(row, &rule, &column, &message);
	else
		ok = validate_nascar_row(row, &rule, &column, &message);
	if (!ok)
	{
		quarantine_added_row(batch, row, rule, column, message);
		MemoryContextSwitchTo(caller_cxt);
		return;
	}

	if (batch->group != NIL &&
		!same_race(batch, (LoadRow *) linitial(batch->group), row))
	{
		load_finish_group(batch);
		if (batch->npending >= LOAD_FLUSH_ROWS)
		{
			MemoryContext old_cxt = batch->group_cxt;

			load_flush(batch);

			/* keep the new row, release the rows just written */
			batch->group_cxt = AllocSetContextCreate(batch->cxt,
													 "racing load rows",
													 ALLOCSET_DEFAULT_SIZES);
			row = load_row_copy(batch, row, batch->group_cxt);
			MemoryContextDelete(old_cxt);
		}
	}
	MemoryContextSwitchTo(batch->group_cxt);
	batch->group = lappend(batch->group, row);
	MemoryContextSwitchTo(caller_cxt);
}

/*
 * Allocate a row with every column NULL in the batch's row context.
 */
LoadRow *
load_row_new(LoadBatch *batch)
{
	LoadRow    *row = MemoryContextAllocZero(batch->group_cxt, sizeof(LoadRow));
	int			i;

	for (i = 0; i < LOAD_MAX_COLS; i++)
		row->nulls[i] = true;
	return row;
}

/* helpers to read typed columns of a row */
static inline bool
col_null(LoadRow *row, int col)
{
	return row->nulls[col];
}

static inline int32
col_int(LoadRow *row, int col)
{
	return DatumGetInt32(row->values[col]);
}

static char *
col_text(LoadRow *row, int col)
{
	if (row->nulls[col])
		return NULL;
	return TextDatumGetCString(row->values[col]);
}

/*
 * Are two values of a race-level column equal (NULLs equal each other)?
 */
static bool
col_equal(LoadBatch *batch, LoadRow *a, LoadRow *b, int col)
{
	if (a->nulls[col] || b->nulls[col])
		return a->nulls[col] == b->nulls[col];
	if (get_typbyval_for_col(batch->sport, col))
		return a->values[col] == b->values[col];
	return strcmp(TextDatumGetCString(a->values[col]),
				  TextDatumGetCString(b->values[col])) == 0;
}

static const int horse_race_level_cols[] = {
	H_REGION, H_RACE_NAME, H_RACE_TYPE, H_RACE_CLASS, H_PATTERN,
	H_DIST_TEXT, H_GOING, H_RAN
};
static const char *const horse_race_level_names[] = {
	"region", "race_name", "type", "class", "pattern", "dist", "going", "ran"
};
static const int nascar_race_level_cols[] = {
	N_TRACK, N_RACE_NAME, N_LENGTH, N_SURFACE
};
static const char *const nascar_race_level_names[] = {
	"Track", "Name", "Length", "Surface"
};

/*
 * Check that the race-level columns agree on every row of the group.  A
 * row that disagrees with the majority of the race is quarantined and
 * taken out of the group.  Returns false when any row was.
 */
static bool
check_race_fields(LoadBatch *batch)
{
	const int  *cols;
	const char *const *names;
	int			ncols;
	int			c;
	bool		consistent = true;

	if (batch->sport == SPORT_HORSE)
	{
		cols = horse_race_level_cols;
		names = horse_race_level_names;
		ncols = lengthof(horse_race_level_cols);
	}
	else
	{
		cols = nascar_race_level_cols;
		names = nascar_race_level_names;
		ncols = lengthof(nascar_race_level_cols);
	}

	for (c = 0; c < ncols; c++)
	{
		LoadRow    *majority = NULL;
		int			best = 0;
		ListCell   *lc1;
		ListCell   *lc2;
		List	   *keep = NIL;

		foreach(lc1, batch->group)
		{
			LoadRow    *a = lfirst(lc1);
			int			n = 0;

			foreach(lc2, batch->group)
			{
				if (col_equal(batch, a, lfirst(lc2), cols[c]))
					n++;
			}
			if (n > best)
			{
				best = n;
				majority = a;
			}
		}
		if (best == list_length(batch->group))
			continue;

		consistent = false;
		foreach(lc1, batch->group)
		{
			LoadRow    *a = lfirst(lc1);

			if (col_equal(batch, a, majority, cols[c]))
			{
				MemoryContext old = MemoryContextSwitchTo(batch->group_cxt);

				keep = lappend(keep, a);
				MemoryContextSwitchTo(old);
			}
			else
			{
				char	   *msg;

				msg = psprintf("column \"%s\" differs from the other %d rows of the same race",
							   names[c], best);
				quarantine_added_row(batch, a, "race_field_mismatch",
									 names[c], msg);
			}
		}
		batch->group = keep;
	}
	return consistent;
}

/*
 * The current group is a complete race: validate it as a whole and move
 * it to the pending list.
 */
static void
load_finish_group(LoadBatch *batch)
{
	bool		consistent;
	PendingRace *pr;
	MemoryContext old;

	if (batch->group == NIL)
		return;

	batch->races_checked++;
	consistent = check_race_fields(batch);

	/* the finishing order is checked at flush time, with the stored rows */
	if (consistent)
		batch->races_consistent++;

	if (batch->group != NIL)
	{
		old = MemoryContextSwitchTo(batch->group_cxt);
		pr = palloc0(sizeof(PendingRace));
		pr->rows = batch->group;
		batch->pending = lappend(batch->pending, pr);
		batch->npending += list_length(batch->group);
		MemoryContextSwitchTo(old);
	}
	batch->group = NIL;
}

/*
 * Look a dimension name up in the batch cache, or resolve it with the
 * given SQL function (which inserts the name when it is new).
 */
static int64
dim_lookup(LoadBatch *batch, char kind, const char *name, const char *sql,
		   int nargs, Oid *types, Datum *values, const char *nulls)
{
	DimKey		key;
	DimEntry   *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.kind = kind;
	strlcpy(key.name, name, sizeof(key.name));
	entry = hash_search(batch->dim_cache, &key, HASH_ENTER, &found);
	if (!found)
		entry->id = spi_int8(sql, nargs, types, values, nulls);
	return entry->id;
}

/*
 * Resolve a text column to a dimension id; 0 when the column is NULL.
 */
static int64
dim_simple(LoadBatch *batch, char kind, LoadRow *row, int col, int idcol,
		   const char *sql)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};

	if (row->nulls[col])
		return 0;
	values[0] = row->values[col];
	if (idcol < 0 || row->nulls[idcol])
	{
		values[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	else
		values[1] = row->values[idcol];
	return dim_lookup(batch, kind, TextDatumGetCString(row->values[col]), sql,
					  2, types, values, nulls);
}

/* Build the SQL of an entry upsert from its column list. */
static char *
build_upsert_sql(const char *table, const char *conflict,
				 const EntryColumn *cols, int ncols)
{
	StringInfoData sql;
	int			i;
	const char *sep;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO racing.%s AS e (", table);
	for (i = 0; i < ncols; i++)
		appendStringInfo(&sql, "%s, ", cols[i].name);
	appendStringInfoString(&sql, "batch_id, line_no) SELECT * FROM unnest(");
	for (i = 0; i < ncols; i++)
		appendStringInfo(&sql, "$%d::%s[], ", i + 1,
						 format_type_be(cols[i].type));
	appendStringInfo(&sql, "$%d::int8[], $%d::int8[])", ncols + 1, ncols + 2);
	appendStringInfo(&sql, " ON CONFLICT (%s) DO UPDATE SET ", conflict);

	/* the merged value of each column, used in SET and in WHERE */
#define MERGED(c) \
	((c).merge == MERGE_PRE ? psprintf("coalesce(excluded.%s, e.%s)", (c).name, (c).name) : \
	 (c).merge == MERGE_POST ? psprintf("CASE WHEN excluded.has_result AND NOT ($%d)[%d] THEN excluded.%s ELSE e.%s END", ncols + 3, i + 1, (c).name, (c).name) : \
	 psprintf("excluded.%s", (c).name))

	for (i = 0; i < ncols; i++)
	{
		if (cols[i].merge == MERGE_SET)
			continue;
		appendStringInfo(&sql, "%s = %s, ", cols[i].name, MERGED(cols[i]));
	}
	appendStringInfoString(&sql, "batch_id = excluded.batch_id, line_no = excluded.line_no, updated_at = now() WHERE (");
	sep = "";
	for (i = 0; i < ncols; i++)
	{
		if (cols[i].merge == MERGE_SET)
			continue;
		appendStringInfo(&sql, "%se.%s", sep, cols[i].name);
		sep = ", ";
	}
	appendStringInfoString(&sql, ") IS DISTINCT FROM (");
	sep = "";
	for (i = 0; i < ncols; i++)
	{
		if (cols[i].merge == MERGE_SET)
			continue;
		appendStringInfo(&sql, "%s%s", sep, MERGED(cols[i]));
		sep = ", ";
	}
	appendStringInfoString(&sql, ") RETURNING e.race_id, (e.xmax = 0)");
#undef MERGED
	return sql.data;
}

/*
 * Prepare (once per backend) the upsert of one sport's entries.
 */
static SPIPlanPtr
entry_upsert_plan(LoadSport sport)
{
	SPIPlanPtr *planp = sport == SPORT_HORSE ? &horse_upsert_plan : &nascar_upsert_plan;
	const EntryColumn *cols;
	int			ncols;
	Oid			argtypes[64];
	char	   *sql;
	int			i;

	if (*planp != NULL)
		return *planp;

	if (sport == SPORT_HORSE)
	{
		cols = horse_entry_columns;
		ncols = lengthof(horse_entry_columns);
		sql = build_upsert_sql("runner", "race_id, horse_id", cols, ncols);
	}
	else
	{
		cols = nascar_entry_columns;
		ncols = lengthof(nascar_entry_columns);
		sql = build_upsert_sql("nascar_entry", "race_id, driver_id, car",
							   cols, ncols);
	}
	for (i = 0; i < ncols; i++)
		argtypes[i] = get_array_type(cols[i].type);
	argtypes[ncols] = INT8ARRAYOID;
	argtypes[ncols + 1] = INT8ARRAYOID;
	argtypes[ncols + 2] = BOOLARRAYOID;

	{
		MemoryContext cxt = CurrentMemoryContext;

		*planp = SPI_prepare(sql, ncols + 3, argtypes);
		MemoryContextSwitchTo(cxt);
	}
	if (*planp == NULL)
		elog(ERROR, "racing: could not prepare entry upsert: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(*planp);
	return *planp;
}

/*
 * Convert a row value to the element type of its parameter array.
 */
static Datum
entry_value(LoadRow *row, int src, Oid type)
{
	Datum		v = row->values[src];

	if (type == FLOAT4OID)
		return Float4GetDatum((float4) DatumGetFloat8(v));
	if (type == NUMERICOID)
		return DirectFunctionCall1(float8_numeric, v);
	return v;
}

/* resolved ids of one row */
typedef struct RowIds
{
	int64		race_id;
	int64		part_id;
	int64		dim1_id;
	int64		dim2_id;
} RowIds;

/* a row of a flush with its resolved ids */
typedef struct FlushRow
{
	LoadRow    *row;
	RowIds		ids;
} FlushRow;

/* an entry of a race, as far as its finishing order goes */
typedef struct OrderEntry
{
	int64		part_id;		/* horse or driver */
	char	   *car;			/* NASCAR car, else NULL */
	int			position;		/* 0 when none */
	bool		win;
	bool		absent;			/* a non-runner or scratched car */
	FlushRow   *frow;			/* NULL for an entry already stored */
	int64		entry_id;		/* a stored runner: its runner_id */
	bool		dead_heat;		/* a stored runner: its dead_heat */
	bool		in_dead_heat;	/* set by horse_order_problem */
} OrderEntry;

/* the entries of one race in a flush */
typedef struct RaceCheck
{
	int64		race_id;		/* hash key */
	List	   *file;			/* FlushRow * of this flush */
	List	   *stored;			/* OrderEntry * already in the table */
} RaceCheck;

/*
 * Horse race: the file's rows and the stored rows they do not replace
 * must fit the field and form a possible finishing order.  Returns the
 * problem, or NULL; marks dead heats on the file's rows, and in
 * in_dead_heat of every entry.
 */
static char *
horse_order_problem(LoadBatch *batch, OrderEntry *e, int n)
{
	int			ran = -1;
	int			maxpos = 0;
	int		   *count;
	int			i;
	int			p;

	int			runners = 0;

	for (i = 0; i < n; i++)
	{
		if (e[i].frow && !col_null(e[i].frow->row, H_RAN))
			ran = col_int(e[i].frow->row, H_RAN);
		if (e[i].position > maxpos)
			maxpos = e[i].position;
		if (!e[i].absent)
			runners++;
	}

	/* non-runners are declared but do not count in the field */
	if (ran >= 0 && runners > ran)
		return psprintf("the race would have %d runners but ran is %d", runners, ran);
	if (maxpos > Max(runners, ran))
		return psprintf("position %d is beyond a field of %d", maxpos, Max(runners, ran));
	if (maxpos == 0)
		return NULL;

	count = palloc0(sizeof(int) * (maxpos + 2));
	for (i = 0; i < n; i++)
		count[e[i].position]++;

	/*
	 * k runners sharing position p is a dead heat when positions p+1 ..
	 * p+k-1 are left out, as the Racing Post writes them.
	 */
	for (p = 1; p <= maxpos; p++)
	{
		int			k = count[p];
		int			q;

		for (q = p + 1; k > 1 && q < p + k && q <= maxpos; q++)
		{
			if (count[q] != 0)
				return psprintf("position %d is shared by %d runners but position %d is also taken",
								p, k, q);
		}
	}
	for (i = 0; i < n; i++)
	{
		e[i].in_dead_heat = e[i].position > 0 && count[e[i].position] > 1;
		if (e[i].frow && e[i].in_dead_heat)
		{
			LoadRow    *r = e[i].frow->row;

			r->values[H_DEAD_HEAT] = BoolGetDatum(true);
			r->nulls[H_DEAD_HEAT] = false;
		}
	}
	return NULL;
}

/*
 * NASCAR race: unique finishing positions, one winner at most, no driver
 * in two cars and no car for two drivers.
 */
static char *
nascar_order_problem(OrderEntry *e, int n)
{
	int			i;
	int			j;
	int			winners = 0;

	for (i = 0; i < n; i++)
	{
		if (e[i].win)
			winners++;
		for (j = i + 1; j < n; j++)
		{
			if (e[i].position > 0 && e[i].position == e[j].position)
				return psprintf("finishing position %d occurs twice", e[i].position);
			if (e[i].part_id == e[j].part_id)
				return psprintf("the same driver is entered with car %s and car %s",
								e[i].car, e[j].car);
			if (e[i].car && e[j].car && strcmp(e[i].car, e[j].car) == 0)
				return psprintf("car %s is entered for two drivers", e[i].car);
		}
	}
	if (winners > 1)
		return psprintf("%d cars are marked as winner", winners);
	return NULL;
}

/*
 * Set dead_heat of stored runners (a dead heat formed or undone by rows
 * of the file).
 */
static void
mark_stored_dead_heats(LoadBatch *batch, List *ids, List *values)
{
	int			n = list_length(ids);
	Datum	   *id_d = palloc(sizeof(Datum) * n);
	Datum	   *val_d = palloc(sizeof(Datum) * n);
	Datum		args[3];
	Oid			argtypes[3] = {INT8ARRAYOID, BOOLARRAYOID, INT8OID};
	ListCell   *lc1;
	ListCell   *lc2;
	int			i = 0;

	forboth(lc1, ids, lc2, values)
	{
		id_d[i] = Int64GetDatum(*(int64 *) lfirst(lc1));
		val_d[i] = BoolGetDatum(*(bool *) lfirst(lc2));
		i++;
	}
	args[0] = PointerGetDatum(construct_array(id_d, n, INT8OID, 8, true,
											  TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(val_d, n, BOOLOID, 1, true,
											  TYPALIGN_CHAR));
	args[2] = Int64GetDatum(batch->batch_id);
	if (SPI_execute_with_args("UPDATE racing.runner r SET dead_heat = v.dh,"
							  " batch_id = $3, updated_at = now()"
							  " FROM unnest($1, $2) AS v(id, dh)"
							  " WHERE r.runner_id = v.id",
							  3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "racing: could not mark dead heats on stored runners");
}

/*
 * Check every race of a flush as a whole: the rows the file brings plus
 * the rows already stored for the race that the file does not replace (a
 * race split over two parts of a file, or a correction that renames a
 * horse, must not leave an impossible race behind).  The file's rows of
 * a race that fails are quarantined.
 */
static void
check_flush_races(LoadBatch *batch, FlushRow *frows, int nfrows)
{
	HASHCTL		ctl;
	HTAB	   *races;
	RaceCheck **order;
	int			nraces = 0;
	int			f;
	int			i;
	Datum	   *ids;
	Datum		args[1];
	Oid			argtypes[1] = {INT8ARRAYOID};
	static const char *horse_sql =
		"SELECT race_id, horse_id, coalesce(position, 0), false, NULL::text,"
		" non_runner, runner_id, coalesce(dead_heat, false)"
		" FROM racing.runner WHERE race_id = ANY($1)";
	static const char *nascar_sql =
		"SELECT race_id, driver_id::int8, coalesce(finish, 0), coalesce(win, false), car,"
		" scratched FROM racing.nascar_entry WHERE race_id = ANY($1)";
	int			ret;
	MemoryContext cxt;
	List	   *fix_ids = NIL;
	List	   *fix_values = NIL;

	if (nfrows == 0)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(RaceCheck);
	ctl.hcxt = CurrentMemoryContext;
	races = hash_create("racing flush races", 256, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	order = palloc(sizeof(RaceCheck *) * nfrows);
	ids = palloc(sizeof(Datum) * nfrows);

	for (f = 0; f < nfrows; f++)
	{
		bool		found;
		RaceCheck  *rc = hash_search(races, &frows[f].ids.race_id,
									 HASH_ENTER, &found);

		if (!found)
		{
			rc->file = NIL;
			rc->stored = NIL;
			order[nraces] = rc;
			ids[nraces] = Int64GetDatum(rc->race_id);
			nraces++;
		}
		rc->file = lappend(rc->file, &frows[f]);
	}

	/* what is stored of these races */
	args[0] = PointerGetDatum(construct_array(ids, nraces, INT8OID, 8, true,
											  TYPALIGN_DOUBLE));
	cxt = CurrentMemoryContext;
	ret = SPI_execute_plan(cached_plan(batch->sport == SPORT_HORSE ? horse_sql : nascar_sql,
									   1, argtypes),
						   args, NULL, false, 0);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "racing: could not read the stored entries of the races");

	for (i = 0; i < (int) SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		race_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		RaceCheck  *rc = hash_search(races, &race_id, HASH_FIND, NULL);
		OrderEntry *e;

		if (rc == NULL)
			continue;
		e = palloc0(sizeof(OrderEntry));
		e->part_id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		e->position = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		e->win = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		e->car = SPI_getvalue(tup, desc, 5);
		e->absent = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		if (batch->sport == SPORT_HORSE)
		{
			e->entry_id = DatumGetInt64(SPI_getbinval(tup, desc, 7, &isnull));
			e->dead_heat = DatumGetBool(SPI_getbinval(tup, desc, 8, &isnull));
		}
		rc->stored = lappend(rc->stored, e);
	}
	SPI_freetuptable(SPI_tuptable);

	for (i = 0; i < nraces; i++)
	{
		RaceCheck  *rc = order[i];
		int			n = 0;
		int			nstored = 0;
		OrderEntry *e = palloc0(sizeof(OrderEntry) *
								(list_length(rc->file) + list_length(rc->stored)));
		ListCell   *lc;
		ListCell   *lc2;
		char	   *problem;

		foreach(lc, rc->file)
		{
			FlushRow   *fr = lfirst(lc);
			LoadRow    *r = fr->row;

			e[n].part_id = fr->ids.part_id;
			e[n].frow = fr;
			e[n].absent = batch->sport == SPORT_HORSE ?
				(!col_null(r, H_NON_RUNNER) && DatumGetBool(r->values[H_NON_RUNNER])) :
				(!col_null(r, N_SCRATCHED) && DatumGetBool(r->values[N_SCRATCHED]));
			if (batch->sport == SPORT_HORSE)
				e[n].position = col_null(r, H_POSITION) ? 0 : col_int(r, H_POSITION);
			else
			{
				e[n].position = col_null(r, N_FINISH) ? 0 : col_int(r, N_FINISH);
				e[n].win = !col_null(r, N_WIN) && DatumGetBool(r->values[N_WIN]);
				e[n].car = TextDatumGetCString(r->values[N_CAR]);
			}
			n++;
		}
		foreach(lc, rc->stored)
		{
			OrderEntry *st = lfirst(lc);
			bool		replaced = false;

			foreach(lc2, rc->file)
			{
				FlushRow   *fr = lfirst(lc2);

				if (fr->ids.part_id == st->part_id &&
					(batch->sport == SPORT_HORSE ||
					 strcmp(TextDatumGetCString(fr->row->values[N_CAR]), st->car) == 0))
				{
					replaced = true;
					break;
				}
			}
			if (!replaced)
			{
				e[n++] = *st;
				nstored++;
			}
		}

		/* declared races (race cards) have no finishing order yet */
		if (batch->sport == SPORT_HORSE)
		{
			LoadRow    *first = ((FlushRow *) linitial(rc->file))->row;
			char	   *status = col_text(first, H_RACE_STATUS);

			if (status && strcmp(status, "declared") == 0)
				continue;
			problem = horse_order_problem(batch, e, n);
		}
		else
		{
			LoadRow    *first = ((FlushRow *) linitial(rc->file))->row;
			char	   *status = col_text(first, N_RACE_STATUS);

			if (status && strcmp(status, "result") != 0)
				continue;
			problem = nascar_order_problem(e, n);
		}
		if (problem == NULL)
		{
			/*
			 * A dead heat the file forms (or undoes) with a stored runner
			 * is marked on that runner too.
			 */
			if (batch->sport == SPORT_HORSE)
			{
				int			k;

				for (k = 0; k < n; k++)
				{
					if (e[k].frow == NULL && e[k].dead_heat != e[k].in_dead_heat)
					{
						fix_ids = lappend(fix_ids, &e[k].entry_id);
						fix_values = lappend(fix_values, &e[k].in_dead_heat);
					}
				}
			}
			continue;
		}

		batch->races_consistent--;
		foreach(lc, rc->file)
		{
			FlushRow   *fr = lfirst(lc);

			quarantine_added_row(batch, fr->row, "race_positions",
								 batch->sport == SPORT_HORSE ? "pos" : "Finish",
								 nstored > 0 ?
								 psprintf("finishing order of the race is inconsistent with the %d entries already stored for it: %s",
										  nstored, problem) :
								 psprintf("finishing order of the race is inconsistent: %s",
										  problem));
		}
	}
	if (fix_ids != NIL)
		mark_stored_dead_heats(batch, fix_ids, fix_values);
}

/*
 * A NASCAR race whose key (series, season, race number) is stored for
 * another race: at another track, or under another NASCAR race id.
 * nascaR.data numbers a season's points races from 1 and the JSON feeds
 * number races in the order they are loaded, so the two can disagree;
 * rather than move a stored race and its entries, the file's rows of
 * that race are quarantined.  Returns the reason, or NULL.
 */
static char *clash_message(LoadRow *r, const char *stored_track,
						   const char *stored_name, const char *stored_id);

static char *
nascar_race_clash(LoadRow *r)
{
	Oid			types[6] = {TEXTOID, INT4OID, INT4OID, TEXTOID, INT8OID, TEXTOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	char	   *stored_track;
	char	   *stored_id;
	char	   *stored_name;
	bool		same_track;
	bool		same_name;
	bool		same_id;

	values[0] = r->values[N_SERIES];
	values[1] = r->values[N_SEASON];
	values[2] = r->values[N_RACE_NUM];
	values[3] = r->values[N_TRACK];
	values[4] = r->values[N_NASCAR_RACE_ID];
	nulls[4] = r->nulls[N_NASCAR_RACE_ID] ? 'n' : ' ';
	values[5] = r->values[N_RACE_NAME];
	nulls[5] = r->nulls[N_RACE_NAME] ? 'n' : ' ';
	if (r->nulls[N_SERIES] || r->nulls[N_SEASON] || r->nulls[N_RACE_NUM] ||
		r->nulls[N_TRACK])
		return NULL;
	if (SPI_execute_with_args("SELECT t.name, r.nascar_race_id,"
							  " EXISTS (SELECT 1 FROM racing.track_alias a"
							  "  WHERE a.track_id = r.track_id AND racing._name_key(a.alias) ="
							  "   racing._name_key($4)),"
							  " CASE WHEN r.nascar_race_id IS NULL OR $5 IS NULL THEN NULL"
							  "  ELSE r.nascar_race_id = $5 END, r.race_name,"
							  " r.race_name IS NULL OR $6 IS NULL"
							  "  OR racing._name_key(r.race_name) ="
							  "     racing._name_key($6)"
							  " FROM racing.nascar_race r JOIN racing.track t USING (track_id)"
							  " WHERE r.series = $1 AND r.season = $2 AND r.race_num = $3",
							  6, types, values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "racing: could not read a stored race");
	if (SPI_processed == 0)
		return NULL;
	stored_track = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	stored_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
	stored_id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	same_track = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 3, &isnull));
	same_name = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 6, &isnull));
	same_id = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 4, &isnull));

	/*
	 * The same NASCAR race id is the same race, however the track is spelt.
	 * Without ids on both sides the track must match; when only one side
	 * has an id (a feed and nascaR.data), the race name too; the names of
	 * one source may be corrected by a reload of it.
	 */
	if (!isnull)
		return same_id ? NULL : clash_message(r, stored_track, stored_name, stored_id);
	if (same_track &&
		(same_name || (stored_id == NULL && r->nulls[N_NASCAR_RACE_ID])))
		return NULL;
	return clash_message(r, stored_track, stored_name, stored_id);
}

/* the reason of nascar_race_clash */
static char *
clash_message(LoadRow *r, const char *stored_track, const char *stored_name,
			  const char *stored_id)
{
	return psprintf("race %d of the %s %d season is stored as %s%s%s at %s%s%s; this file has %s%s%s at %s%s under that number "
					"(nascaR.data numbers a season's points races from 1, NASCAR feeds in the order loaded: "
					"load a season's nascaR.data file before its feeds, or name the race and track as stored)",
					DatumGetInt32(r->values[N_RACE_NUM]),
					TextDatumGetCString(r->values[N_SERIES]),
					DatumGetInt32(r->values[N_SEASON]),
					stored_name ? "\"" : "", stored_name ? stored_name : "a race",
					stored_name ? "\"" : "",
					stored_track,
					stored_id ? " (NASCAR race " : "", stored_id ? psprintf("%s)", stored_id) : "",
					r->nulls[N_RACE_NAME] ? "" : "\"",
					r->nulls[N_RACE_NAME] ? "a race" : TextDatumGetCString(r->values[N_RACE_NAME]),
					r->nulls[N_RACE_NAME] ? "" : "\"",
					TextDatumGetCString(r->values[N_TRACK]),
					r->nulls[N_NASCAR_RACE_ID] ? "" :
					psprintf(" (NASCAR race %lld)",
							 (long long) DatumGetInt64(r->values[N_NASCAR_RACE_ID])));
}

/*
 * Resolve the race of a pending group: course or track, then an upsert
 * of the race row that never turns a result back into a declaration.
 */
static int64
resolve_race(LoadBatch *batch, LoadRow *r)
{
	if (batch->sport == SPORT_HORSE)
	{
		Oid			ctypes[2] = {TEXTOID, TEXTOID};
		Datum		cvalues[2];
		char		cnulls[2] = {' ', ' '};
		int64		course_id;
		Oid			types[22];
		Datum		values[22];
		char		nulls[22];
		static const int race_cols[] = {
			H_RACE_DATE, H_OFF_TIME, H_REGION, H_RACE_NAME, H_RACE_TYPE,
			H_RACE_CLASS, H_PATTERN, H_RATING_BAND, H_AGE_BAND, H_SEX_REST,
			H_DIST_TEXT, H_DIST_YARDS, H_DIST_F, H_DIST_M, H_GOING,
			H_GOING_GROUP, H_SURFACE, H_RAN, H_RACE_STATUS, H_RP_RACE_ID
		};
		static const Oid race_types[] = {
			DATEOID, TIMEOID, TEXTOID, TEXTOID, TEXTOID,
			TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
			TEXTOID, INT4OID, FLOAT8OID, INT4OID, TEXTOID,
			TEXTOID, TEXTOID, INT4OID, TEXTOID, INT8OID
		};
		int			i;

		cvalues[0] = r->values[H_COURSE];
		cvalues[1] = r->values[H_REGION];
		cnulls[1] = r->nulls[H_REGION] ? 'n' : ' ';
		course_id = dim_lookup(batch, 'c', TextDatumGetCString(r->values[H_COURSE]),
							   "SELECT racing._course_id($1, $2)",
							   2, ctypes, cvalues, cnulls);

		types[0] = INT8OID;
		values[0] = Int64GetDatum(course_id);
		nulls[0] = ' ';
		for (i = 0; i < (int) lengthof(race_cols); i++)
		{
			types[i + 1] = race_types[i];
			values[i + 1] = r->values[race_cols[i]];
			nulls[i + 1] = r->nulls[race_cols[i]] ? 'n' : ' ';
		}
		types[21] = INT8OID;
		values[21] = Int64GetDatum(batch->batch_id);
		nulls[21] = ' ';
		return spi_int8("SELECT racing._upsert_race($1::int, $2, $3, $4, $5, $6,"
						" $7, $8, $9, $10, $11, $12, $13, $14::real, $15, $16,"
						" $17, $18, $19, $20, $21, $22)",
						22, types, values, nulls);
	}
	else
	{
		Oid			ttypes[3] = {TEXTOID, FLOAT8OID, TEXTOID};
		Datum		tvalues[3];
		char		tnulls[3];
		int64		track_id;
		Oid			types[12];
		Datum		values[12];
		char		nulls[12];
		static const int race_cols[] = {
			N_SERIES, N_SEASON, N_RACE_NUM, N_RACE_NAME, N_LENGTH,
			N_SURFACE, N_RACE_DATE, N_RACE_STATUS, N_NASCAR_RACE_ID
		};
		static const Oid race_types[] = {
			TEXTOID, INT4OID, INT4OID, TEXTOID, FLOAT8OID,
			TEXTOID, DATEOID, TEXTOID, INT8OID
		};
		int			i;

		tvalues[0] = r->values[N_TRACK];
		tvalues[1] = r->values[N_LENGTH];
		tvalues[2] = r->values[N_SURFACE];
		tnulls[0] = ' ';
		tnulls[1] = r->nulls[N_LENGTH] ? 'n' : ' ';
		tnulls[2] = r->nulls[N_SURFACE] ? 'n' : ' ';
		track_id = dim_lookup(batch, 't', TextDatumGetCString(r->values[N_TRACK]),
							  "SELECT racing._track_id($1, $2, $3)",
							  3, ttypes, tvalues, tnulls);

		types[0] = INT4OID;
		values[0] = Int32GetDatum((int32) track_id);
		nulls[0] = ' ';
		types[1] = TEXTOID;
		values[1] = r->values[N_TRACK];
		nulls[1] = ' ';
		for (i = 0; i < (int) lengthof(race_cols); i++)
		{
			types[i + 2] = race_types[i];
			values[i + 2] = r->values[race_cols[i]];
			nulls[i + 2] = r->nulls[race_cols[i]] ? 'n' : ' ';
		}
		types[11] = INT8OID;
		values[11] = Int64GetDatum(batch->batch_id);
		nulls[11] = ' ';
		return spi_int8("SELECT racing._upsert_nascar_race($1, $2, $3, $4, $5,"
						" $6, $7::real, $8, $9, $10, $11, $12)",
						12, types, values, nulls);
	}
}

/*
 * A dimension whose new names are inserted in bulk, once per flush: the
 * names of the pending rows that the batch cache does not know yet are
 * sent as arrays, inserted when new, and their ids read back.
 */
typedef struct DimSpec
{
	char		kind;			/* cache key prefix */
	LoadSport	sport;
	int			ncols;
	int			cols[6];		/* row columns; the name first */
	Oid			types[6];
	const char *sql;
} DimSpec;

static const DimSpec dim_specs[] = {
	{'h', SPORT_HORSE, 6,
		{H_HORSE, H_SEX, H_SIRE, H_DAM, H_DAMSIRE, H_RP_HORSE_ID},
		{TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID},
		"WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
		" $4::text[], $5::text[], $6::int8[]) AS i(name, sex, sire, dam, damsire, rp_id)),"
		" ins AS (INSERT INTO racing.horse AS t (name, country, sex, sire, dam, damsire, rp_horse_id)"
		" SELECT name, substring(name from '\\(([A-Z]{2,3})\\)\\s*$'), sex, sire, dam, damsire, rp_id"
		" FROM input ON CONFLICT (name) DO NOTHING RETURNING t.name, t.horse_id)"
		" SELECT name, horse_id FROM ins UNION ALL"
		" SELECT t.name, t.horse_id FROM racing.horse t JOIN input USING (name)"},
	{'j', SPORT_HORSE, 2, {H_JOCKEY, H_RP_JOCKEY_ID}, {TEXTOID, INT8OID},
		"WITH input AS (SELECT * FROM unnest($1::text[], $2::int8[]) AS i(name, ext_id)),"
		" ins AS (INSERT INTO racing.jockey AS t (name, rp_jockey_id) SELECT name, ext_id"
		" FROM input ON CONFLICT (name) DO NOTHING RETURNING t.name, t.jockey_id)"
		" SELECT name, jockey_id::int8 FROM ins UNION ALL"
		" SELECT t.name, t.jockey_id::int8 FROM racing.jockey t JOIN input USING (name)"},
	{'r', SPORT_HORSE, 2, {H_TRAINER, H_RP_TRAINER_ID}, {TEXTOID, INT8OID},
		"WITH input AS (SELECT * FROM unnest($1::text[], $2::int8[]) AS i(name, ext_id)),"
		" ins AS (INSERT INTO racing.trainer AS t (name, rp_trainer_id) SELECT name, ext_id"
		" FROM input ON CONFLICT (name) DO NOTHING RETURNING t.name, t.trainer_id)"
		" SELECT name, trainer_id::int8 FROM ins UNION ALL"
		" SELECT t.name, t.trainer_id::int8 FROM racing.trainer t JOIN input USING (name)"},
	{'d', SPORT_NASCAR, 2, {N_DRIVER, N_NASCAR_DRIVER_ID}, {TEXTOID, INT8OID},
		"WITH input AS (SELECT * FROM unnest($1::text[], $2::int8[]) AS i(name, ext_id)),"
		" ins AS (INSERT INTO racing.driver AS t (name, nascar_driver_id) SELECT name, ext_id"
		" FROM input ON CONFLICT (name) DO NOTHING RETURNING t.name, t.driver_id)"
		" SELECT name, driver_id::int8 FROM ins UNION ALL"
		" SELECT t.name, t.driver_id::int8 FROM racing.driver t JOIN input USING (name)"},
	{'m', SPORT_NASCAR, 1, {N_TEAM}, {TEXTOID},
		"WITH input AS (SELECT * FROM unnest($1::text[]) AS i(name)),"
		" ins AS (INSERT INTO racing.team AS t (name) SELECT name"
		" FROM input ON CONFLICT (name) DO NOTHING RETURNING t.name, t.team_id)"
		" SELECT name, team_id::int8 FROM ins UNION ALL"
		" SELECT t.name, t.team_id::int8 FROM racing.team t JOIN input USING (name)"},
};

/*
 * Resolve, with one statement per dimension, every name of the pending
 * rows that the batch cache does not hold yet.
 */
static void
prefetch_dimensions(LoadBatch *batch)
{
	int			d;

	for (d = 0; d < (int) lengthof(dim_specs); d++)
	{
		const DimSpec *spec = &dim_specs[d];
		Datum	   *vals[6];
		bool	   *nulls[6];
		int			n = 0;
		int			maxn = batch->npending;
		ListCell   *lc;
		ListCell   *lc2;
		Datum		args[6];
		int			c;
		uint64		i;

		if (spec->sport != batch->sport)
			continue;
		for (c = 0; c < spec->ncols; c++)
		{
			vals[c] = palloc(sizeof(Datum) * maxn);
			nulls[c] = palloc(sizeof(bool) * maxn);
		}

		foreach(lc, batch->pending)
		{
			PendingRace *pr = lfirst(lc);

			foreach(lc2, pr->rows)
			{
				LoadRow    *r = lfirst(lc2);
				DimKey		key;
				bool		found;
				DimEntry   *entry;

				if (r->nulls[spec->cols[0]])
					continue;
				memset(&key, 0, sizeof(key));
				key.kind = spec->kind;
				strlcpy(key.name, TextDatumGetCString(r->values[spec->cols[0]]),
						sizeof(key.name));
				entry = hash_search(batch->dim_cache, &key, HASH_ENTER, &found);
				if (found)
					continue;
				entry->id = 0;	/* filled below */
				for (c = 0; c < spec->ncols; c++)
				{
					vals[c][n] = r->values[spec->cols[c]];
					nulls[c][n] = r->nulls[spec->cols[c]];
				}
				n++;
			}
		}
		if (n == 0)
			continue;

		for (c = 0; c < spec->ncols; c++)
		{
			int			dims[1] = {n};
			int			lbs[1] = {1};
			int16		typlen;
			bool		typbyval;
			char		typalign;

			get_typlenbyvalalign(spec->types[c], &typlen, &typbyval, &typalign);
			args[c] = PointerGetDatum(construct_md_array(vals[c], nulls[c], 1,
														 dims, lbs,
														 spec->types[c],
														 typlen, typbyval,
														 typalign));
		}
		{
			Oid			argtypes[6];
			MemoryContext cxt = CurrentMemoryContext;
			int			ret;

			for (c = 0; c < spec->ncols; c++)
				argtypes[c] = get_array_type(spec->types[c]);
			ret = SPI_execute_plan(cached_plan(spec->sql, spec->ncols, argtypes),
								   args, NULL, false, 0);
			MemoryContextSwitchTo(cxt);
			if (ret != SPI_OK_SELECT)
				elog(ERROR, "racing: could not resolve names of kind %c",
					 spec->kind);
		}
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			char	   *name = SPI_getvalue(SPI_tuptable->vals[i],
											SPI_tuptable->tupdesc, 1);
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 2, &isnull));
			DimKey		key;
			DimEntry   *entry;

			memset(&key, 0, sizeof(key));
			key.kind = spec->kind;
			strlcpy(key.name, name, sizeof(key.name));
			entry = hash_search(batch->dim_cache, &key, HASH_FIND, NULL);
			if (entry)
				entry->id = id;
		}
		SPI_freetuptable(SPI_tuptable);

		/*
		 * A name that another session inserted and committed while this
		 * statement waited on it is neither inserted nor visible to the
		 * statement's snapshot: forget it, so resolve_row_ids() looks it
		 * up on its own, in a statement of its own.
		 */
		for (i = 0; i < (uint64) n; i++)
		{
			DimKey		key;
			DimEntry   *entry;

			memset(&key, 0, sizeof(key));
			key.kind = spec->kind;
			strlcpy(key.name, TextDatumGetCString(vals[0][i]), sizeof(key.name));
			entry = hash_search(batch->dim_cache, &key, HASH_FIND, NULL);
			if (entry && entry->id == 0)
				hash_search(batch->dim_cache, &key, HASH_REMOVE, NULL);
		}
	}
}

/*
 * Resolve the participant and people of one row.
 */
static void
resolve_row_ids(LoadBatch *batch, LoadRow *r, RowIds *ids)
{
	if (batch->sport == SPORT_HORSE)
	{
		Oid			types[6] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID};
		Datum		values[6];
		char		nulls[6];
		static const int cols[6] = {H_HORSE, H_SEX, H_SIRE, H_DAM, H_DAMSIRE, H_RP_HORSE_ID};
		int			i;

		for (i = 0; i < 6; i++)
		{
			values[i] = r->values[cols[i]];
			nulls[i] = r->nulls[cols[i]] ? 'n' : ' ';
		}
		ids->part_id = dim_lookup(batch, 'h', TextDatumGetCString(r->values[H_HORSE]),
								  "SELECT racing._horse_id($1, $2, $3, $4, $5, $6)",
								  6, types, values, nulls);
		ids->dim1_id = dim_simple(batch, 'j', r, H_JOCKEY, H_RP_JOCKEY_ID,
								  "SELECT racing._person_id('jockey', $1, $2)");
		ids->dim2_id = dim_simple(batch, 'r', r, H_TRAINER, H_RP_TRAINER_ID,
								  "SELECT racing._person_id('trainer', $1, $2)");
	}
	else
	{
		ids->part_id = dim_simple(batch, 'd', r, N_DRIVER, N_NASCAR_DRIVER_ID,
								  "SELECT racing._person_id('driver', $1, $2)");
		ids->dim1_id = dim_simple(batch, 'm', r, N_TEAM, -1,
								  "SELECT racing._person_id('team', $1, $2)");
		ids->dim2_id = 0;
	}
}

/*
 * Execute the entry upsert with the race-order trigger told that the
 * loader checked the races itself.
 */
static int
run_entry_upsert(LoadSport sport, Datum *args, char *argnulls)
{
	int			ret = 0;
	MemoryContext cxt = CurrentMemoryContext;

	racing_loader_writing = true;
	PG_TRY();
	{
		ret = SPI_execute_plan(entry_upsert_plan(sport), args, argnulls,
							   false, 0);
	}
	PG_FINALLY();
	{
		racing_loader_writing = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	return ret;
}

/*
 * Write every pending race: races first, then all their entries with
 * one upsert statement.
 */
static void
load_flush(LoadBatch *batch)
{
	const EntryColumn *cols;
	int			ncols;
	int			nrows = 0;
	int			maxrows = batch->npending;
	ListCell   *lc;
	ListCell   *lc2;
	Datum	  **colvals;
	bool	  **colnulls;
	Datum		args[64];
	char		argnulls[64];
	int			c;
	int			ret;
	uint64		i;
	HTAB	   *seen;
	HASHCTL		ctl;
	FlushRow   *frows;
	int			nfrows = 0;
	int			f;
	int64	   *late_races = NULL;
	int			nlate = 0;
	MemoryContext flush_cxt;
	MemoryContext old;

	if (batch->pending == NIL)
		return;

	flush_cxt = AllocSetContextCreate(CurrentMemoryContext, "racing flush",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(flush_cxt);

	if (batch->sport == SPORT_HORSE)
	{
		cols = horse_entry_columns;
		ncols = lengthof(horse_entry_columns);
	}
	else
	{
		cols = nascar_entry_columns;
		ncols = lengthof(nascar_entry_columns);
	}
	colvals = palloc(sizeof(Datum *) * (ncols + 2));
	colnulls = palloc(sizeof(bool *) * (ncols + 2));
	for (c = 0; c < ncols + 2; c++)
	{
		colvals[c] = palloc(sizeof(Datum) * maxrows);
		colnulls[c] = palloc0(sizeof(bool) * maxrows);
	}
	frows = palloc(sizeof(FlushRow) * maxrows);
	late_races = palloc(sizeof(int64) * list_length(batch->pending));

	/* the same entry twice in one statement would fail: keep the first */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(RowIds);
	ctl.entrysize = sizeof(RowIds) + sizeof(LoadRow *);
	ctl.hcxt = flush_cxt;
	seen = hash_create("racing flush keys", maxrows, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	prefetch_dimensions(batch);

	foreach(lc, batch->pending)
	{
		PendingRace *pr = lfirst(lc);
		LoadRow    *first = linitial(pr->rows);

		if (batch->sport == SPORT_NASCAR)
		{
			char	   *clash = nascar_race_clash(first);

			if (clash)
			{
				foreach(lc2, pr->rows)
					quarantine_added_row(batch, lfirst(lc2), "race_conflict", "Track", clash);
				if (batch->races_consistent > 0)
					batch->races_consistent--;
				continue;
			}
		}
		pr->race_id = resolve_race(batch, first);
		if (batch->sport == SPORT_HORSE)
			pr->late = DatumGetDateADT(first->values[H_RACE_DATE]) < batch->newest_before;
		else
			pr->late = (col_int(first, N_SEASON) * 1000 + col_int(first, N_RACE_NUM)) <
				(batch->newest_season_before * 1000 + batch->newest_race_before);
		if (pr->late)
			late_races[nlate++] = pr->race_id;

		foreach(lc2, pr->rows)
		{
			LoadRow    *r = lfirst(lc2);
			RowIds		ids;
			RowIds		key;
			bool		found;
			char	   *keycar = NULL;

			void	   *entry;

			memset(&ids, 0, sizeof(ids));
			ids.race_id = pr->race_id;
			resolve_row_ids(batch, r, &ids);

			memset(&key, 0, sizeof(key));
			key.race_id = ids.race_id;
			key.part_id = ids.part_id;
			if (batch->sport == SPORT_NASCAR)
			{
				/* the car is part of the key: fold it into dim2 */
				keycar = TextDatumGetCString(r->values[N_CAR]);
				key.dim2_id = (int64) hash_bytes((unsigned char *) keycar,
												 strlen(keycar));
			}
			entry = hash_search(seen, &key, HASH_ENTER, &found);
			if (found)
			{
				LoadRow    *prev = *(LoadRow **) ((char *) entry + sizeof(RowIds));
				bool		same = true;
				int			k;

				for (k = 0; k < r->nraw && k < prev->nraw; k++)
				{
					if ((r->raw_values[k] == NULL) != (prev->raw_values[k] == NULL) ||
						(r->raw_values[k] && strcmp(r->raw_values[k], prev->raw_values[k]) != 0))
						same = false;
				}
				if (same)
					batch->rows_duplicate++;
				else
					quarantine_added_row(batch, r, "conflicting_duplicate", NULL,
										 prev->json_path ?
										 psprintf("the same entry occurs earlier in the file (%s) with other values",
												  prev->json_path) :
										 psprintf("the same entry occurs earlier in the file (line %lld) with other values",
												  (long long) prev->line_no));
				continue;
			}
			*(LoadRow **) ((char *) entry + sizeof(RowIds)) = r;
			frows[nfrows].row = r;
			frows[nfrows].ids = ids;
			nfrows++;
		}
	}

	/* whole races, with what is stored of them, must still make sense */
	check_flush_races(batch, frows, nfrows);

	for (f = 0; f < nfrows; f++)
	{
		LoadRow    *r = frows[f].row;
		RowIds	   *ids = &frows[f].ids;

		if (r->rejected)
			continue;
		for (c = 0; c < ncols; c++)
		{
			int			src = cols[c].source;

			colnulls[c][nrows] = false;
			switch (src)
			{
				case SRC_RACE_ID:
					colvals[c][nrows] = Int64GetDatum(ids->race_id);
					break;
				case SRC_PART_ID:
					colvals[c][nrows] = cols[c].type == INT8OID ?
						Int64GetDatum(ids->part_id) : Int32GetDatum((int32) ids->part_id);
					break;
				case SRC_DIM1_ID:
					colvals[c][nrows] = Int32GetDatum((int32) ids->dim1_id);
					colnulls[c][nrows] = ids->dim1_id == 0;
					break;
				case SRC_DIM2_ID:
					colvals[c][nrows] = Int32GetDatum((int32) ids->dim2_id);
					colnulls[c][nrows] = ids->dim2_id == 0;
					break;
				default:
					if (r->nulls[src])
					{
						colvals[c][nrows] = (Datum) 0;
						colnulls[c][nrows] = true;
					}
					else
						colvals[c][nrows] = entry_value(r, src, cols[c].type);
					break;
			}
		}
		colvals[ncols][nrows] = Int64GetDatum(batch->batch_id);
		colvals[ncols + 1][nrows] = Int64GetDatum(r->line_no);
		nrows++;
	}

	if (nrows > 0)
	{
		int			dims[1] = {nrows};
		int			lbs[1] = {1};

		for (c = 0; c < ncols + 2; c++)
		{
			Oid			type = c < ncols ? cols[c].type : INT8OID;
			int16		typlen;
			bool		typbyval;
			char		typalign;

			get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
			args[c] = PointerGetDatum(construct_md_array(colvals[c], colnulls[c],
														 1, dims, lbs, type,
														 typlen, typbyval,
														 typalign));
			argnulls[c] = ' ';
		}

		/* which result columns the input lacks: their stored values stay */
		{
			Datum	   *absent = palloc(sizeof(Datum) * ncols);

			for (c = 0; c < ncols; c++)
				absent[c] = BoolGetDatum(cols[c].source >= 0 &&
										 batch->absent[cols[c].source]);
			args[ncols + 2] = PointerGetDatum(construct_array(absent, ncols,
															  BOOLOID, 1, true,
															  TYPALIGN_CHAR));
			argnulls[ncols + 2] = ' ';
		}
		ret = run_entry_upsert(batch->sport, args, argnulls);
		if (ret != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "racing: entry upsert failed: %s",
				 SPI_result_code_string(ret));

		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			int64		race_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
															  SPI_tuptable->tupdesc,
															  1, &isnull));
			bool		inserted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															  SPI_tuptable->tupdesc,
															  2, &isnull));
			int			k;

			if (inserted)
			{
				batch->rows_stored++;
				for (k = 0; k < nlate; k++)
				{
					if (late_races[k] == race_id)
					{
						batch->rows_late++;
						break;
					}
				}
			}
			else
				batch->rows_updated++;
		}
		batch->rows_duplicate += nrows - SPI_processed;
		SPI_freetuptable(SPI_tuptable);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(flush_cxt);
	batch->pending = NIL;
	batch->npending = 0;
	load_progress(batch, -1);
}

/*
 * Escape bytes for a message or raw_text: printable ASCII and valid
 * UTF-8 pass, anything else becomes \xNN.
 */
char *
load_escape_bytes(const char *s, int len)
{
	StringInfoData buf;
	int			i = 0;

	initStringInfo(&buf);
	while (i < len)
	{
		unsigned char ch = (unsigned char) s[i];
		int			l = pg_utf_mblen((const unsigned char *) s + i);

		if (ch >= 0x20 && ch < 0x7f)
		{
			appendStringInfoChar(&buf, ch);
			i++;
		}
		else if (ch >= 0x80 && i + l <= len &&
				 pg_utf8_islegal((const unsigned char *) s + i, l))
		{
			appendBinaryStringInfo(&buf, s + i, l);
			i += l;
		}
		else
		{
			appendStringInfo(&buf, "\\x%02X", ch);
			i++;
		}
	}
	return buf.data;
}

/*
 * Write one quarantine row.  raw_names/raw_values become a JSON object;
 * values that are not valid UTF-8 are escaped first.
 */
static void
write_quarantine(LoadBatch *batch, int64 line_no, const char *json_path,
				 const char *rule, const char *column, const char *message,
				 int nraw, char **raw_names, char **raw_values,
				 const char *raw_text)
{
	Datum		values[9];
	char		nulls[9];
	int			i;
	int			ret;
	MemoryContext cxt = CurrentMemoryContext;

	if (quarantine_plan == NULL)
	{
		Oid			types[9] = {INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID};

		quarantine_plan = SPI_prepare("INSERT INTO racing.quarantine"
									  " (batch_id, source, line_no, json_path, rule,"
									  " column_name, message, raw, raw_text)"
									  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)",
									  9, types);
		MemoryContextSwitchTo(cxt);
		if (quarantine_plan == NULL)
			elog(ERROR, "racing: could not prepare quarantine insert");
		SPI_keepplan(quarantine_plan);
	}

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(batch->batch_id);
	values[1] = CStringGetTextDatum(batch->source);
	values[2] = Int64GetDatum(line_no);
	nulls[2] = line_no > 0 ? ' ' : 'n';
	values[3] = json_path ? CStringGetTextDatum(json_path) : (Datum) 0;
	nulls[3] = json_path ? ' ' : 'n';
	values[4] = CStringGetTextDatum(rule);
	values[5] = column ? CStringGetTextDatum(column) : (Datum) 0;
	nulls[5] = column ? ' ' : 'n';
	values[6] = CStringGetTextDatum(load_escape_bytes(message, strlen(message)));
	if (nraw > 0)
	{
		StringInfoData js;

		initStringInfo(&js);
		appendStringInfoChar(&js, '{');
		for (i = 0; i < nraw; i++)
		{
			char	   *name = raw_names && raw_names[i] ? raw_names[i] : psprintf("%d", i + 1);
			char	   *v = raw_values[i];

			if (i > 0)
				appendStringInfoString(&js, ", ");
			escape_json(&js, load_escape_bytes(name, strlen(name)));
			appendStringInfoString(&js, ": ");
			if (v == NULL)
				appendStringInfoString(&js, "null");
			else if (strlen(v) > QUARANTINE_MAX_VALUE)
			{
				/* a jsonb string holds at most 256 MB: keep the start */
				size_t		len = strlen(v);
				size_t		cut = QUARANTINE_MAX_VALUE;

				while (cut > 0 && ((unsigned char) v[cut] & 0xC0) == 0x80)
					cut--;		/* not inside a UTF-8 character */
				escape_json(&js, psprintf("%s... (%zu bytes in all; the rest is in the file)",
										  load_escape_bytes(v, cut), len));
			}
			else
				escape_json(&js, load_escape_bytes(v, strlen(v)));
		}
		appendStringInfoChar(&js, '}');
		values[7] = CStringGetTextDatum(js.data);
	}
	else
		nulls[7] = 'n';
	values[8] = raw_text ? CStringGetTextDatum(load_escape_bytes(raw_text, strlen(raw_text))) : (Datum) 0;
	nulls[8] = raw_text ? ' ' : 'n';

	cxt = CurrentMemoryContext;
	ret = SPI_execute_plan(quarantine_plan, values, nulls, false, 0);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "racing: quarantine insert failed");
}

/*
 * Quarantine a record that a reader could not turn into a row.  Counts
 * it as read and quarantined.
 */
void
load_quarantine(LoadBatch *batch, int64 line_no, const char *json_path,
				const char *rule, const char *column, const char *message,
				int nraw, char **raw_names, char **raw_values,
				const char *raw_text)
{
	batch->rows_read++;
	batch->rows_quarantined++;
	write_quarantine(batch, line_no, json_path, rule, column, message,
					 nraw, raw_names, raw_values, raw_text);
}

/*
 * Quarantine a row a reader built but could not fill (a field that does
 * not parse).  Counts it as read and quarantined.
 */
void
load_quarantine_row(LoadBatch *batch, LoadRow *row, const char *rule,
					const char *column, const char *message)
{
	batch->rows_read++;
	quarantine_added_row(batch, row, rule, column, message);
}

/* Quarantine a row already counted as read. */
static void
quarantine_added_row(LoadBatch *batch, LoadRow *row, const char *rule,
					 const char *column, const char *message)
{
	StringInfoData where;

	row->rejected = true;
	batch->rows_quarantined++;

	/* say where, unless the reader already did */
	initStringInfo(&where);
	if (strncmp(message, "line ", 5) != 0 && strncmp(message, "at ", 3) != 0)
	{
		if (row->line_no > 0)
			appendStringInfo(&where, "line %lld", (long long) row->line_no);
		else if (row->json_path)
			appendStringInfo(&where, "at %s", row->json_path);
		if (column)
			appendStringInfo(&where, "%scolumn \"%s\"", where.len ? ", " : "",
							 column);
		if (where.len)
			appendStringInfoString(&where, ": ");
	}
	appendStringInfoString(&where, message);
	write_quarantine(batch, row->line_no, row->json_path, rule, column,
					 where.data, row->nraw, row->raw_names, row->raw_values,
					 NULL);
}

/*
 * Progress: the COPY progress view shows bytes; we add the rows written
 * so far, and a NOTICE every racing.progress_rows rows read.
 */
void
load_progress(LoadBatch *batch, int64 bytes_done)
{
	static int64 last_notice = 0;

	pgstat_progress_update_param(PROGRESS_COPY_TUPLES_PROCESSED,
								 batch->rows_stored + batch->rows_updated +
								 batch->rows_duplicate);
	pgstat_progress_update_param(PROGRESS_COPY_TUPLES_EXCLUDED,
								 batch->rows_quarantined);
	if (racing_progress_rows > 0 &&
		batch->rows_read / racing_progress_rows != last_notice / racing_progress_rows)
		ereport(NOTICE,
				(errmsg("racing: %s: %lld rows read, %lld quarantined",
						batch->source, (long long) batch->rows_read,
						(long long) batch->rows_quarantined)));
	last_notice = batch->rows_read;
}

/*
 * End of input: finish the last race, write what is pending, store the
 * counters and apply the quality threshold.
 */
void
load_batch_finish(LoadBatch *batch)
{
	Oid			types[12];
	Datum		values[12];
	int			i;
	double		quality;
	bool		isnull;
	MemoryContext old;

	MemoryContextReset(batch->tmp_cxt);
	old = MemoryContextSwitchTo(batch->tmp_cxt);
	load_finish_group(batch);
	load_flush(batch);
	MemoryContextSwitchTo(old);

	for (i = 0; i < 12; i++)
		types[i] = INT8OID;
	values[0] = Int64GetDatum(batch->batch_id);
	values[1] = Int64GetDatum(batch->rows_read);
	values[2] = Int64GetDatum(batch->rows_stored);
	values[3] = Int64GetDatum(batch->rows_updated);
	values[4] = Int64GetDatum(batch->rows_duplicate);
	values[5] = Int64GetDatum(batch->rows_quarantined);
	values[6] = Int64GetDatum(batch->fields_expected);
	values[7] = Int64GetDatum(batch->fields_filled);
	values[8] = Int64GetDatum(batch->races_checked);
	values[9] = Int64GetDatum(batch->races_consistent);
	values[10] = Int64GetDatum(batch->rows_late);

	if (SPI_execute_with_args("UPDATE racing.batch SET rows_read = $2,"
							  " rows_stored = $3, rows_updated = $4,"
							  " rows_duplicate = $5, rows_quarantined = $6,"
							  " fields_expected = $7, fields_filled = $8,"
							  " races_checked = $9, races_consistent = $10,"
							  " rows_late = $11, status = 'done',"
							  " finished_at = clock_timestamp()"
							  " WHERE batch_id = $1",
							  11, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "racing: could not update batch %lld",
			 (long long) batch->batch_id);

	if (SPI_execute_with_args("SELECT quality_score FROM racing.batch_quality"
							  " WHERE batch_id = $1", 1, types, values, NULL,
							  false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "racing: no quality row for batch %lld",
			 (long long) batch->batch_id);
	quality = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	if (!isnull && quality < racing_quality_threshold)
		ereport(racing_quality_strict ? ERROR : WARNING,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("quality score %.3f of batch %lld (%s) is below racing.quality_threshold %.3f",
						quality, (long long) batch->batch_id, batch->source,
						racing_quality_threshold),
				 errdetail("%lld of %lld rows were quarantined; see racing.batch_quality and racing.quarantine.",
						   (long long) batch->rows_quarantined,
						   (long long) batch->rows_read),
				 racing_quality_strict ?
				 errhint("Nothing was stored.  Load the file with racing.quality_strict off to keep the good rows and see the bad ones in racing.quarantine, or fix the file.") :
				 batch->rows_quarantined == 0 ?
				 errhint("No row was quarantined: the file leaves many fields empty (completeness in racing.batch_quality).") :
				 errhint("Fix the rows listed in racing.quarantine for batch %lld and load the file again; it stores only what is new.",
						 (long long) batch->batch_id)));
}

/*
 * The report row every load function returns: the batch row itself with
 * its quality score, read back through the racing.load_report view.
 */
Datum
load_batch_report(LoadBatch *batch, FunctionCallInfo fcinfo)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(batch->batch_id);
	if (SPI_execute_with_args("SELECT * FROM racing.load_report WHERE batch_id = $1",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "racing: no report for batch %lld",
			 (long long) batch->batch_id);
	return PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc));
}
