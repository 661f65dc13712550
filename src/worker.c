/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The racing maintenance background worker.
 *
 * Registered at preload, the worker connects to the database named by
 * racing.database and every racing.maintenance_naptime runs the tasks
 * whose next_run in racing.maintenance_task has come: expire hot
 * entries, prefetch the race cards of upcoming races, recompute stale
 * vectors, refresh the warm and cold views when their sources changed,
 * and record the data-quality figures.  The tasks themselves are SQL
 * (racing._maintenance_run_task in src/sql/45_maintenance.sql), shared
 * with racing.run_maintenance(), which pg_cron can schedule instead.
 *
 * Failure handling
 *	  Each task runs in its own transaction; a task that fails is caught
 *	  by the SQL function, recorded with its error and given a growing
 *	  delay, and the other tasks go on.  An error that escapes (the
 *	  extension dropped during a run, say) aborts that transaction, is
 *	  logged and makes the worker wait longer before the next attempt; the
 *	  worker itself does not exit.  When the extension is not installed in
 *	  the database the worker only checks again after each nap.
 *
 * Restart
 *	  SIGTERM makes the worker exit (die()); the postmaster starts it again
 *	  after RACING_WORKER_RESTART seconds, as after a crash, which also
 *	  reinitialises shared memory and so empties the hot tier.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cache.h"
#include "racing.h"

/* seconds before the postmaster restarts an exited worker */
#define RACING_WORKER_RESTART	5
/* longest wait after errors that escaped the tasks, in seconds */
#define RACING_WORKER_MAX_BACKOFF	300

char	   *racing_database = NULL;
int			racing_maintenance_naptime = 60;
int			racing_warm_refresh_interval = 2 * 60 * 60;
int			racing_cold_refresh_interval = 24 * 60 * 60;

PGDLLEXPORT void racing_worker_main(Datum main_arg);

/*
 * Run one SQL statement in its own transaction.  Returns false when it
 * failed; the error is logged and the transaction rolled back.  With
 * collect, the first column of every result row (text) is appended to
 * *out, allocated in out_cxt.
 */
static bool
worker_run(const char *sql, int nargs, Oid *argtypes, Datum *args,
		   List **out, MemoryContext out_cxt)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = true;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		int			ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, sql);
		ret = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);
		if (ret < 0)
			elog(ERROR, "racing maintenance statement failed: %s", sql);
		if (out != NULL)
		{
			uint64		i;

			for (i = 0; i < SPI_processed; i++)
			{
				char	   *v = SPI_getvalue(SPI_tuptable->vals[i],
											 SPI_tuptable->tupdesc, 1);

				if (v != NULL)
				{
					MemoryContext old = MemoryContextSwitchTo(out_cxt);

					*out = lappend(*out, pstrdup(v));
					MemoryContextSwitchTo(old);
				}
			}
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		HOLD_INTERRUPTS();
		EmitErrorReport();
		AbortCurrentTransaction();
		FlushErrorState();
		RESUME_INTERRUPTS();
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

/*
 * One round: when the extension is installed, run every due task in its
 * own transaction.  Returns false when an error escaped.
 */
static bool
worker_round(MemoryContext round_cxt)
{
	List	   *installed = NIL;
	List	   *due = NIL;
	ListCell   *lc;
	bool		ok = true;

	if (!worker_run("SELECT extversion FROM pg_extension WHERE extname = 'racing'",
					0, NULL, NULL, &installed, round_cxt))
		return false;
	if (installed == NIL)
	{
		elog(DEBUG1, "racing maintenance: extension racing is not installed in database \"%s\"",
			 racing_database);
		return true;
	}

	if (!worker_run("SELECT task FROM racing.maintenance_task"
					" WHERE next_run <= now() ORDER BY run_order",
					0, NULL, NULL, &due, round_cxt))
		return false;

	foreach(lc, due)
	{
		char	   *task = lfirst(lc);
		Oid			argtype = TEXTOID;
		Datum		arg = CStringGetTextDatum(task);

		CHECK_FOR_INTERRUPTS();
		elog(DEBUG1, "racing maintenance: running task %s", task);
		if (!worker_run("SELECT racing._maintenance_run_task($1, false)",
						1, &argtype, &arg, NULL, round_cxt))
			ok = false;
	}
	return ok;
}

/*
 * on_proc_exit callback: the one LOG line at worker stop.
 */
static void
racing_worker_exit_log(int code, Datum arg)
{
	ereport(LOG,
			(errmsg("racing maintenance worker stopped (exit code %d)", code)));
}

/*
 * Entry point of the maintenance worker.
 */
void
racing_worker_main(Datum main_arg)
{
	MemoryContext round_cxt;
	int			backoff = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(racing_database, NULL, 0);
	pgstat_report_appname("racing maintenance");

	ereport(LOG,
			(errmsg("racing maintenance worker started in database \"%s\"",
					racing_database)));
	on_proc_exit(racing_worker_exit_log, (Datum) 0);

	round_cxt = AllocSetContextCreate(TopMemoryContext,
									  "racing maintenance round",
									  ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		long		wait_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		MemoryContextReset(round_cxt);
		if (worker_round(round_cxt))
			backoff = 0;
		else
		{
			backoff = backoff == 0 ? racing_maintenance_naptime : backoff * 2;
			if (backoff > RACING_WORKER_MAX_BACKOFF)
				backoff = Max(RACING_WORKER_MAX_BACKOFF, racing_maintenance_naptime);
			ereport(LOG,
					(errmsg("racing maintenance round failed, next attempt in %d s",
							backoff)));
		}

		wait_ms = (long) Max(backoff, racing_maintenance_naptime) * 1000L;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Define the worker GUCs and, when preloading, register the worker.
 */
void
racing_worker_init(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("racing.maintenance_naptime",
							"Time the racing maintenance worker sleeps between rounds.",
							"Also the interval of the light tasks (expiry, prefetch, stale vectors).",
							&racing_maintenance_naptime,
							60, 1, INT_MAX / 1000,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("racing.warm_refresh_interval",
							"Interval between refreshes of the warm views (when their sources changed).",
							NULL,
							&racing_warm_refresh_interval,
							2 * 60 * 60, 1, INT_MAX / 1000,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("racing.cold_refresh_interval",
							"Interval between refreshes of the cold views (when their sources changed).",
							NULL,
							&racing_cold_refresh_interval,
							24 * 60 * 60, 1, INT_MAX / 1000,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	/* a PGC_POSTMASTER setting can only be defined while preloading */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomStringVariable("racing.database",
							   "Database the racing maintenance worker connects to.",
							   "The worker waits while the extension is not installed there.",
							   &racing_database,
							   "postgres",
							   PGC_POSTMASTER, 0,
							   NULL, NULL, NULL);


	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = RACING_WORKER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "racing");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "racing_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "racing maintenance worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "racing maintenance");
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}
