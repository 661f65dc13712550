/*-------------------------------------------------------------------------
 *
 * load.h
 *	  The load path shared by every input format: batches, quarantine,
 *	  typed rows, race-level validation and the upsert of whole races.
 *
 * A format reader (load_csv.c for rpscrape and nascaR.data CSV, the JSON
 * readers for race cards and NASCAR feeds) turns each input record into
 * a LoadRow: one Datum per column of the sport's column list below, with
 * NULL for missing values.  It hands rows to load_add_row() in input
 * order; rows of one race should be consecutive.  The load code groups
 * them by race, validates each race as a whole, and writes complete
 * races with one INSERT ... ON CONFLICT statement per flush, so that
 * statement-level triggers on the entry tables always see whole races.
 *
 * Rows that fail are written to racing.quarantine with their raw fields
 * and never reach the result tables; load_quarantine() may also be
 * called directly by a reader for records it cannot even turn into a
 * row (wrong field count, bad JSON value).  Every record read is counted
 * once: rows_read = stored + updated + duplicate + quarantined.
 *
 * All of this runs in the caller's transaction through SPI; the caller
 * must have done SPI_connect().
 *
 *-------------------------------------------------------------------------
 */
#ifndef RACING_LOAD_H
#define RACING_LOAD_H

#include "postgres.h"

#include "utils/hsearch.h"

typedef enum LoadSport
{
	SPORT_HORSE,
	SPORT_NASCAR
} LoadSport;

/*
 * Columns of a horse-racing row.  H_COURSE, H_HORSE, H_JOCKEY and
 * H_TRAINER hold names (text); the load code resolves them to ids.
 * Types: date for H_RACE_DATE, time for H_OFF_TIME, int4, float8, bool
 * and text as commented; numeric amounts are float8 here.
 */
typedef enum HorseCol
{
	/* race */
	H_RACE_DATE,				/* date */
	H_COURSE,					/* text, as written ("Sligo (IRE)") */
	H_OFF_TIME,					/* time, 24-hour */
	H_REGION,					/* text */
	H_RACE_NAME,				/* text */
	H_RACE_TYPE,				/* text: Flat, Hurdle, Chase, NH Flat */
	H_RACE_CLASS,				/* text */
	H_PATTERN,					/* text */
	H_RATING_BAND,				/* text */
	H_AGE_BAND,					/* text */
	H_SEX_REST,					/* text */
	H_DIST_TEXT,				/* text */
	H_DIST_YARDS,				/* int4 */
	H_DIST_F,					/* float8 */
	H_DIST_M,					/* int4 */
	H_GOING,					/* text */
	H_GOING_GROUP,				/* text */
	H_SURFACE,					/* text */
	H_RAN,						/* int4 */
	H_RACE_STATUS,				/* text: declared or result */
	H_RP_RACE_ID,				/* int8 */
	/* runner, pre-race */
	H_HORSE,					/* text */
	H_NUM,						/* int4 */
	H_DRAW,						/* int4 */
	H_AGE,						/* int4 */
	H_SEX,						/* text */
	H_LBS,						/* int4 */
	H_HEADGEAR,					/* text */
	H_JOCKEY,					/* text */
	H_TRAINER,					/* text */
	H_OWNER,					/* text */
	H_OFFICIAL_RATING,			/* int4 */
	H_NON_RUNNER,				/* bool */
	H_SIRE,						/* text */
	H_DAM,						/* text */
	H_DAMSIRE,					/* text */
	H_RP_HORSE_ID,				/* int8 */
	H_RP_JOCKEY_ID,				/* int8 */
	H_RP_TRAINER_ID,			/* int8 */
	H_CLAIM,					/* int4: the jockey's allowance, lbs */
	/* at the off */
	H_SP_DECIMAL,				/* float8 */
	H_SP_FAVOURITE,				/* text */
	/* result */
	H_POS_TEXT,					/* text */
	H_POSITION,					/* int4 */
	H_FINISHED,					/* bool */
	H_DEAD_HEAT,				/* bool */
	H_POS_CODE,					/* text */
	H_OVR_BTN,					/* float8 */
	H_BTN,						/* float8 */
	H_TIME_SECS,				/* float8 */
	H_PRIZE,					/* float8 */
	H_PRIZE_CURRENCY,			/* text */
	H_RPR,						/* int4 */
	H_TS,						/* int4 */
	H_COMMENT,					/* text */
	H_HAS_RESULT,				/* bool */
	H_NCOLS
} HorseCol;

typedef enum NascarCol
{
	/* race */
	N_SERIES,					/* text: cup, xfinity, truck */
	N_SEASON,					/* int4 */
	N_RACE_NUM,					/* int4 */
	N_TRACK,					/* text, as written */
	N_RACE_NAME,				/* text */
	N_LENGTH,					/* float8, miles */
	N_SURFACE,					/* text: paved, road, dirt */
	N_RACE_DATE,				/* date */
	N_RACE_STATUS,				/* text: scheduled, running, result */
	N_NASCAR_RACE_ID,			/* int8 */
	/* entry, pre-race */
	N_DRIVER,					/* text */
	N_CAR,						/* text */
	N_TEAM,						/* text */
	N_MAKE,						/* text */
	N_START,					/* int4 */
	N_SCRATCHED,				/* bool */
	N_NASCAR_DRIVER_ID,			/* int8 */
	/* result */
	N_FINISH,					/* int4 */
	N_POINTS,					/* int4 */
	N_LAPS,						/* int4 */
	N_LED,						/* int4 */
	N_STATUS,					/* text */
	N_STATUS_CATEGORY,			/* text */
	N_STAGE1,					/* int4 */
	N_STAGE2,					/* int4 */
	N_STAGE3,					/* int4 */
	N_RATING,					/* float8 */
	N_WIN,						/* bool */
	N_SEG_POINTS,				/* int4 */
	N_HAS_RESULT,				/* bool */
	N_NCOLS
} NascarCol;

#define LOAD_MAX_COLS	H_NCOLS

/* One input record turned into typed values. */
typedef struct LoadRow
{
	int64		line_no;		/* 1-based physical line, or 0 */
	char	   *json_path;		/* position in a JSON document, or NULL */
	Datum		values[LOAD_MAX_COLS];
	bool		nulls[LOAD_MAX_COLS];
	/* raw fields for the quarantine, as read */
	int			nraw;
	char	  **raw_names;
	char	  **raw_values;
	/* set by validation */
	bool		rejected;
} LoadRow;

/* One load, from load_batch_begin() to load_batch_finish(). */
typedef struct LoadBatch
{
	LoadSport	sport;
	int64		batch_id;
	char	   *format;
	char	   *source;			/* file name or label, for messages */
	MemoryContext cxt;			/* lives as long as the batch */
	MemoryContext group_cxt;	/* rows waiting to be flushed */
	MemoryContext tmp_cxt;		/* scratch of one row's checks, reset per row */

	/* counters */
	int64		rows_read;
	int64		rows_stored;
	int64		rows_updated;
	int64		rows_duplicate;
	int64		rows_quarantined;
	int64		fields_expected;
	int64		fields_filled;
	int64		races_checked;
	int64		races_consistent;
	int64		rows_late;
	DateADT		newest_before;	/* newest result stored before the batch */
	int32		newest_season_before;
	int32		newest_race_before;

	/* rows of the current race, then of whole races waiting for a flush */
	List	   *group;
	List	   *pending;
	int			npending;

	/*
	 * Result columns the input does not carry at all (a results file
	 * without a prize column, say): an update keeps their stored values.
	 * Readers set these after load_batch_begin().
	 */
	bool		absent[LOAD_MAX_COLS];

	/* name -> id caches of the dimension tables */
	HTAB	   *dim_cache;
} LoadBatch;

extern LoadRow *load_row_new(LoadBatch *batch);
extern bool get_typbyval_for_col(LoadSport sport, int col);
extern LoadBatch *load_batch_begin(LoadSport sport, const char *format,
								   const char *source);
extern void load_add_row(LoadBatch *batch, LoadRow *row);
extern void load_batch_finish(LoadBatch *batch);
extern Datum load_batch_report(LoadBatch *batch, FunctionCallInfo fcinfo);

extern void load_quarantine(LoadBatch *batch, int64 line_no,
							const char *json_path, const char *rule,
							const char *column, const char *message,
							int nraw, char **raw_names, char **raw_values,
							const char *raw_text);
extern void load_quarantine_row(LoadBatch *batch, LoadRow *row,
								const char *rule, const char *column,
								const char *message);

extern void load_progress(LoadBatch *batch, int64 bytes_done);

/* validate.c: row checks shared by the loaders and the table triggers */
extern bool validate_horse_row(LoadRow *row, const char **rule,
							   const char **column, char **message);
extern bool validate_nascar_row(LoadRow *row, const char **rule,
								const char **column, char **message);

/* set while the loaders write entries (validate.c) */
extern bool racing_loader_writing;

/* text helpers */
extern char *load_escape_bytes(const char *s, int len);

#endif							/* RACING_LOAD_H */
