/*-------------------------------------------------------------------------
 *
 * racing.h
 *	  Declarations shared by the modules of the racing extension: the
 *	  GUC variables and the per-module initialisation hooks that
 *	  racing.c calls from _PG_init.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RACING_H
#define RACING_H

#include "postgres.h"

/* GUCs of the load path (racing.c) */
extern double racing_quality_threshold;
extern bool racing_quality_strict;
extern int	racing_progress_rows;
extern char *racing_fallback_encoding;

/* true when the library was loaded by shared_preload_libraries */
extern bool racing_preloaded;

/* tiered cache and maintenance worker (cache.c, worker.c; see cache.h) */
extern void racing_cache_init(void);
extern void racing_worker_init(void);

#endif							/* RACING_H */
