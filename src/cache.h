/*-------------------------------------------------------------------------
 *
 * cache.h
 *	  Declarations of the tiered cache (cache.c) and the maintenance
 *	  worker (worker.c) of the racing extension.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RACING_CACHE_H
#define RACING_CACHE_H

#include "postgres.h"

/* GUCs of the cache and the maintenance worker */
extern int	racing_hot_cache_size;	/* kB */
extern int	racing_hot_ttl;			/* seconds */
extern bool racing_hot_cache_enabled;
extern bool racing_warm_cache_enabled;
extern char *racing_database;
extern int	racing_maintenance_naptime; /* seconds */
extern int	racing_warm_refresh_interval;	/* seconds */
extern int	racing_cold_refresh_interval;	/* seconds */

/* module initialisation, called from _PG_init */
extern void racing_cache_init(void);
extern void racing_worker_init(void);

/* true once this backend is attached to the hot tier */
extern bool racing_hot_available(void);

#endif							/* RACING_CACHE_H */
