/*-------------------------------------------------------------------------
 *
 * backend_fuzz.c
 *	  libFuzzer harness of the JSON loaders, run inside a backend:
 *	  racing.load_racecards_data(text, text) and
 *	  racing.load_nascar_feed_data(text, text), the C functions
 *	  load_racecards_data and load_nascar_feed_data of src/feeds.c, with
 *	  SPI, palloc, triggers and ereport all live.
 *
 * test/fuzz/run.sh compiles this file with every C file of src/ into a
 * library of its own, racing_fuzz.so, instrumented with clang
 * -fsanitize=fuzzer-no-link and linked with libFuzzer's runtime without
 * its main (libclang_rt.fuzzer_no_main).  The library is never installed:
 * run.sh builds the extension script from the fragments in src/sql/ with
 * MODULE_PATHNAME replaced by the path of racing_fuzz.so and runs it in a
 * fresh database of a throwaway cluster, so every C function and trigger
 * of the schema points at the instrumented code.  It then creates
 *
 *		racing_fuzz_run(args text[], allow_internal_errors bool) returns int
 *
 * and calls it with libFuzzer's command line (corpus directory, run time,
 * -max_len ...).  The function hands that to LLVMFuzzerRunDriver, which
 * calls racing_fuzz_one_input() for each input.
 *
 * One input
 *	  The bytes become the data argument of both loaders in turn.  Inputs
 *	  that a text value cannot hold (a NUL byte, or not valid UTF-8 in the
 *	  UTF8 database run.sh creates) are skipped and kept out of the
 *	  corpus: a client cannot send them, and the loaders' own checks for
 *	  them are reached through the file loaders only.  Each call runs in
 *	  an internal subtransaction, as a PL/pgSQL block with an EXCEPTION
 *	  clause does, and the subtransaction is rolled back after the call
 *	  whatever its outcome, so every input sees the same empty schema and
 *	  the database does not grow.  The function is called through fmgr with
 *	  the flinfo of its pg_proc row, so SECURITY DEFINER, its search_path
 *	  setting and get_call_result_type behave as for a SQL call.
 *
 * Outcomes
 *	  An ERROR is an expected outcome (bad JSON, a shape the loader refuses,
 *	  a value out of range ...): it is counted by SQLSTATE class and
 *	  flushed.  The harness stops with abort(), which libFuzzer reports as
 *	  a crash and saves the input of, when
 *	  - a report row breaks rows_read = rows_stored + rows_updated +
 *		rows_duplicate + rows_quarantined, or is not 'done';
 *	  - the load fails on the batch_accounted check of racing.batch (the
 *		same invariant, caught by the table before the report is built);
 *	  - a loader returns NULL instead of a report;
 *	  - an error is an internal one (SQLSTATE XX000, elog's "cannot
 *		happen"), unless racing_fuzz_run was told to allow them.
 *	  A query cancel or an error while cleaning up is re-thrown: it ends
 *	  the run and the statement.  Counters go to stderr (the server log)
 *	  when the process exits.
 *
 * Signals and exit
 *	  The backend's signals stay PostgreSQL's: racing_fuzz_run appends
 *	  -handle_int=0 -handle_term=0 -handle_usr1=0 -handle_usr2=0
 *	  -handle_xfsz=0 to the arguments, so cancel, terminate and the
 *	  procsignal machinery work; libFuzzer keeps SIGSEGV, SIGBUS, SIGABRT,
 *	  SIGILL and SIGFPE to report crashes.  With -timeout above 0 libFuzzer
 *	  also takes SIGALRM for its per-input timer, which disables
 *	  PostgreSQL's own timeouts (statement_timeout, deadlock_timeout) in
 *	  this backend; nothing else waits on a lock in the throwaway cluster.
 *	  At the end of a run libFuzzer calls exit(0): PostgreSQL's atexit
 *	  callback runs the proc_exit cleanup, so the postmaster sees a normal
 *	  exit (no crash restart) and the client sees its connection close
 *	  without a result.  A crash exits with libFuzzer's error code without
 *	  that cleanup, which the postmaster treats as a crashed backend.
 *
 * Rerun for longer with FUZZ_SECONDS=600 bash test/fuzz/run.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/typcache.h"

/* libFuzzer's driver entry point (libclang_rt.fuzzer_no_main) */
extern int	LLVMFuzzerRunDriver(int *argc, char ***argv,
								int (*cb) (const uint8_t *data, size_t size));

PG_FUNCTION_INFO_V1(racing_fuzz_run);

/* flags that leave the backend's signals to PostgreSQL */
static const char *const fuzz_signal_flags[] = {
	"-handle_int=0",
	"-handle_term=0",
	"-handle_usr1=0",
	"-handle_usr2=0",
	"-handle_xfsz=0",
};

/* a loader under test */
typedef struct FuzzLoader
{
	const char *signature;		/* regprocedure input */
	const char *label;			/* in the counters */
	FmgrInfo	flinfo;
	uint64		reports;		/* calls that returned a report row */
	uint64		errors;			/* calls that raised an expected ERROR */
	uint64		rows_read;		/* sum over the report rows */
} FuzzLoader;

static FuzzLoader fuzz_loaders[] = {
	{"racing.load_racecards_data(text,text)", "racecards"},
	{"racing.load_nascar_feed_data(text,text)", "nascar"},
};

#define FUZZ_NLOADERS	lengthof(fuzz_loaders)

/* SQLSTATE classes are two characters; count the first few seen */
#define FUZZ_MAX_CLASSES	32

typedef struct FuzzClassCount
{
	char		cls[3];
	uint64		count;
} FuzzClassCount;

static FuzzClassCount fuzz_classes[FUZZ_MAX_CLASSES];
static int	fuzz_nclasses = 0;

static uint64 fuzz_inputs = 0;	/* inputs run through the loaders */
static uint64 fuzz_skipped = 0;	/* inputs a text value cannot hold */
static bool fuzz_allow_internal = false;
static bool fuzz_started = false;
static MemoryContext fuzz_input_cxt = NULL;
static text *fuzz_source = NULL;

/*
 * Count an ERROR by the class of its SQLSTATE.
 */
static void
fuzz_count_class(int sqlerrcode)
{
	const char *state = unpack_sql_state(sqlerrcode);
	int			i;

	for (i = 0; i < fuzz_nclasses; i++)
	{
		if (strncmp(fuzz_classes[i].cls, state, 2) == 0)
		{
			fuzz_classes[i].count++;
			return;
		}
	}
	if (fuzz_nclasses < FUZZ_MAX_CLASSES)
	{
		memcpy(fuzz_classes[fuzz_nclasses].cls, state, 2);
		fuzz_classes[fuzz_nclasses].cls[2] = '\0';
		fuzz_classes[fuzz_nclasses].count = 1;
		fuzz_nclasses++;
	}
}

/*
 * Stop the run on a broken invariant: the message to stderr (the server
 * log), then abort(), which libFuzzer turns into a crash report and a
 * saved input.
 */
static void
fuzz_fail(const char *loader, const char *what)
{
	fprintf(stderr, "racing_fuzz: INVARIANT BROKEN in %s: %s\n", loader, what);
	fflush(stderr);
	abort();
}

/*
 * A bigint column of a report row, by name.
 */
static int64
fuzz_report_int8(HeapTupleHeader report, const char *column, const char *loader)
{
	bool		isnull;
	Datum		d = GetAttributeByName(report, column, &isnull);

	if (isnull)
		fuzz_fail(loader, psprintf("%s is null in the report", column));
	return DatumGetInt64(d);
}

/*
 * Check the report row a loader returned.
 */
static void
fuzz_check_report(FuzzLoader *loader, HeapTupleHeader report)
{
	int64		rows_read = fuzz_report_int8(report, "rows_read", loader->label);
	int64		stored = fuzz_report_int8(report, "rows_stored", loader->label);
	int64		updated = fuzz_report_int8(report, "rows_updated", loader->label);
	int64		duplicate = fuzz_report_int8(report, "rows_duplicate", loader->label);
	int64		quarantined = fuzz_report_int8(report, "rows_quarantined", loader->label);
	bool		isnull;
	Datum		status = GetAttributeByName(report, "status", &isnull);

	if (rows_read != stored + updated + duplicate + quarantined)
		fuzz_fail(loader->label,
				  psprintf("rows_read " INT64_FORMAT " != stored " INT64_FORMAT
						   " + updated " INT64_FORMAT " + duplicate " INT64_FORMAT
						   " + quarantined " INT64_FORMAT,
						   rows_read, stored, updated, duplicate, quarantined));
	if (rows_read < 0 || stored < 0 || updated < 0 || duplicate < 0 ||
		quarantined < 0)
		fuzz_fail(loader->label, "a negative count in the report");
	if (isnull || strcmp(TextDatumGetCString(status), "done") != 0)
		fuzz_fail(loader->label, "the report's status is not 'done'");
	loader->reports++;
	loader->rows_read += rows_read;
}

/*
 * Call one loader on one document in a subtransaction that is always
 * rolled back.  The error handling follows PL/pgSQL's exception block
 * (exec_stmt_block in pl_exec.c): subtransaction begun from the caller's
 * memory context, and after an ERROR the error copied, the error state
 * flushed, the subtransaction rolled back and the caller's memory context
 * and resource owner restored.
 */
static void
fuzz_call_loader(FuzzLoader *loader, text *document)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);

	PG_TRY();
	{
		LOCAL_FCINFO(fcinfo, 2);
		Datum		result;

		InitFunctionCallInfoData(*fcinfo, &loader->flinfo, 2, InvalidOid,
								 NULL, NULL);
		fcinfo->args[0].value = PointerGetDatum(document);
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = PointerGetDatum(fuzz_source);
		fcinfo->args[1].isnull = false;

		result = FunctionCallInvoke(fcinfo);
		if (fcinfo->isnull)
			fuzz_fail(loader->label, "the loader returned NULL");
		fuzz_check_report(loader, DatumGetHeapTupleHeader(result));

		/* the load succeeded: undo it all the same */
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();

		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		/* a cancel ends the run (and the statement) */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);

		if (edata->constraint_name != NULL &&
			strcmp(edata->constraint_name, "batch_accounted") == 0)
			fuzz_fail(loader->label,
					  psprintf("the batch_accounted check failed: %s",
							   edata->message));
		if (edata->sqlerrcode == ERRCODE_INTERNAL_ERROR && !fuzz_allow_internal)
			fuzz_fail(loader->label,
					  psprintf("internal error (XX000): %s", edata->message));

		fuzz_count_class(edata->sqlerrcode);
		loader->errors++;
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * libFuzzer's callback: one input through both loaders.  Returns -1 for
 * inputs that a text value cannot hold, which keeps them out of the
 * corpus.
 */
static int
racing_fuzz_one_input(const uint8_t *data, size_t size)
{
	MemoryContext oldcontext;
	text	   *document;
	int			i;

	if (size > MaxAllocSize - VARHDRSZ - 1 ||
		memchr(data, '\0', size) != NULL ||
		!pg_verifymbstr((const char *) data, (int) size, true))
	{
		fuzz_skipped++;
		return -1;
	}

	oldcontext = MemoryContextSwitchTo(fuzz_input_cxt);
	document = cstring_to_text_with_len((const char *) data, (int) size);
	for (i = 0; i < (int) FUZZ_NLOADERS; i++)
		fuzz_call_loader(&fuzz_loaders[i], document);
	MemoryContextSwitchTo(oldcontext);
	MemoryContextReset(fuzz_input_cxt);
	fuzz_inputs++;
	return 0;
}

/*
 * on_proc_exit callback: the counters, one line, to stderr.  libFuzzer
 * ends the run with exit(0), which reaches this through PostgreSQL's
 * atexit callback.
 */
static void
racing_fuzz_exit_report(int code, Datum arg)
{
	int			i;

	fprintf(stderr, "racing_fuzz: summary: %llu inputs, %llu skipped (NUL or not UTF-8)",
			(unsigned long long) fuzz_inputs, (unsigned long long) fuzz_skipped);
	for (i = 0; i < (int) FUZZ_NLOADERS; i++)
		fprintf(stderr, "; %s %llu reports (%llu rows read), %llu errors",
				fuzz_loaders[i].label,
				(unsigned long long) fuzz_loaders[i].reports,
				(unsigned long long) fuzz_loaders[i].rows_read,
				(unsigned long long) fuzz_loaders[i].errors);
	fprintf(stderr, "; SQLSTATE classes");
	for (i = 0; i < fuzz_nclasses; i++)
		fprintf(stderr, " %s:%llu", fuzz_classes[i].cls,
				(unsigned long long) fuzz_classes[i].count);
	fprintf(stderr, "\n");
	fflush(stderr);
}

/*
 * racing_fuzz_run(args text[], allow_internal_errors bool) returns int
 *
 * Runs libFuzzer with args as its command line after the program name,
 * followed by the signal flags above.  libFuzzer normally ends the
 * process at the end of the run; the return value is libFuzzer's when it
 * returns instead (after -help=1, for example).  Once per backend.
 */
Datum
racing_fuzz_run(PG_FUNCTION_ARGS)
{
	ArrayType  *args = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			argc;
	char	  **argv;
	int			i;
	int			rc;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a superuser may run the racing fuzzer")));
	if (fuzz_started)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the racing fuzzer already ran in this session"),
				 errhint("Start a new session.")));
	fuzz_allow_internal = PG_GETARG_BOOL(1);

	/* the loaders, by their pg_proc rows */
	for (i = 0; i < (int) FUZZ_NLOADERS; i++)
	{
		Oid			fn_oid;

		fn_oid = DatumGetObjectId(DirectFunctionCall1(regprocedurein,
													  CStringGetDatum(fuzz_loaders[i].signature)));
		fmgr_info_cxt(fn_oid, &fuzz_loaders[i].flinfo, TopMemoryContext);
	}
	fuzz_source = (text *) MemoryContextAlloc(TopMemoryContext,
											  VARHDRSZ + strlen("fuzz"));
	SET_VARSIZE(fuzz_source, VARHDRSZ + strlen("fuzz"));
	memcpy(VARDATA(fuzz_source), "fuzz", strlen("fuzz"));
	fuzz_input_cxt = AllocSetContextCreate(CurrentMemoryContext,
										   "racing fuzz input",
										   ALLOCSET_DEFAULT_SIZES);

	/* argv: program name, the caller's arguments, the signal flags */
	deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &nelems);
	argv = palloc0(sizeof(char *) * (nelems + lengthof(fuzz_signal_flags) + 2));
	argc = 0;
	argv[argc++] = pstrdup("racing_fuzz");
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("libFuzzer arguments must not be null")));
		argv[argc++] = TextDatumGetCString(elems[i]);
	}
	for (i = 0; i < (int) lengthof(fuzz_signal_flags); i++)
		argv[argc++] = pstrdup(fuzz_signal_flags[i]);
	argv[argc] = NULL;

	fuzz_started = true;
	on_proc_exit(racing_fuzz_exit_report, (Datum) 0);
	rc = LLVMFuzzerRunDriver(&argc, &argv, racing_fuzz_one_input);
	PG_RETURN_INT32(rc);
}
