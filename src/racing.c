/*-------------------------------------------------------------------------
 *
 * racing.c
 *	  Module entry point of the racing extension: defines the GUCs of the
 *	  load path and calls the initialisation of the modules that need
 *	  shared memory or background workers.
 *
 * Loaded by shared_preload_libraries the module requests shared memory
 * and registers its workers; loaded on first use instead (CREATE
 * EXTENSION without preloading) it only defines its GUCs, and the
 * functions that need shared memory fall back to the tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "cache.h"
#include "racing.h"

PG_MODULE_MAGIC;

double		racing_quality_threshold = 0.9;
bool		racing_quality_strict = false;
int			racing_progress_rows = 10000;
char	   *racing_fallback_encoding = NULL;
bool		racing_preloaded = false;

void		_PG_init(void);

/*
 * racing.fallback_encoding must be empty or name an encoding.
 */
static bool
check_fallback_encoding(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (pg_char_to_encoding(*newval) < 0)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("\"%s\" is not an encoding name", *newval);
		GUC_check_errhint("Use an encoding such as WIN1252 or LATIN1, or an empty string to quarantine rows that are not UTF-8.");
		return false;
	}
	if (pg_char_to_encoding(*newval) == PG_UTF8 ||
		pg_char_to_encoding(*newval) == PG_SQL_ASCII)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("\"%s\" cannot be a fallback encoding", *newval);
		GUC_check_errdetail("The fallback is used for fields that are not valid UTF-8; %s cannot read them either.",
							*newval);
		GUC_check_errhint("Use the encoding the file was written in, such as WIN1252 or LATIN1.");
		return false;
	}
	return true;
}

/*
 * Module load callback.
 */
void
_PG_init(void)
{
	racing_preloaded = process_shared_preload_libraries_in_progress;

	DefineCustomRealVariable("racing.quality_threshold",
							 "Batch quality score below which a load warns.",
							 "The score is the mean of completeness, validity and consistency, each a share from 0 to 1 (see racing.batch_quality).",
							 &racing_quality_threshold,
							 0.9, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("racing.quality_strict",
							 "Fail a load whose quality score is below racing.quality_threshold.",
							 NULL,
							 &racing_quality_strict,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("racing.progress_rows",
							"Report load progress every this many rows (0 turns reports off).",
							"Progress goes to the racing.load_progress view and, at NOTICE level, to the client.",
							&racing_progress_rows,
							10000, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("racing.fallback_encoding",
							   "Encoding to transcode rows from when they are not valid UTF-8.",
							   "Empty (the default) quarantines such rows; WIN1252 or LATIN1 transcodes them from that encoding.",
							   &racing_fallback_encoding,
							   "",
							   PGC_USERSET, 0,
							   check_fallback_encoding, NULL, NULL);

	/* hot cache, warm and cold tiers, maintenance worker */
	racing_cache_init();
	racing_worker_init();

	MarkGUCPrefixReserved("racing");
}
