/*-------------------------------------------------------------------------
 *
 * features.c
 *	  Point-in-time feature vectors of horse runners and NASCAR entries,
 *	  kept up to date by statement-level triggers with transition tables.
 *
 * Design.  Every entry is a member of the histories of its participants:
 * its horse (or driver), jockey, trainer, jockey-trainer pair, sire in a
 * going group and at a distance, and the course-and-distance draw table
 * (NASCAR: driver, team, make at a track type, the season's points table
 * and the series calendar).  racing.feature_member holds one row per
 * (participant, entry) with the entry's time slot, its contribution
 * (n, v1, v2, v3: runs, wins, places, ...) and, for the horse or driver
 * itself, a float4[] of run statistics.  racing.feature_agg sums the
 * contributions of each participant in a tree of time buckets: level L
 * (1 to 3) holds the sum over slots [b * 8^L, (b + 1) * 8^L); level 0,
 * single slots, is the member rows themselves.  Any window of history
 * [lo, hi) is read as at most two ranges of buckets per level, each one
 * index range scan, so a jockey's 365-day strike rate costs a few
 * dozen index tuples whether the table holds a thousand races or ten
 * million.  The requests of a statement go to the server as arrays, one
 * query per level kind, and requests for the same window of the same
 * participant (a jockey's rides of one day) are read once.  A statement
 * changes each bucket it touches once, by the net difference of the
 * history it removed and added.
 *
 * Time slots are days since 1900-01-01 for horses (so a vector uses only
 * earlier race days: races of the same day never see each other) and
 * season * 100 + race_num for NASCAR, one timeline per series.
 *
 * A vector is a function of the set of history rows strictly before its
 * slot, read at the time it is computed.  Sums are commutative, so the
 * order in which history arrives does not matter, as long as vectors
 * computed before some of their history arrived are recomputed: when a
 * statement adds, corrects or removes history at slot S of a participant
 * that already has members after S, those later entries are marked stale
 * (racing.entry_features.stale) and racing.recompute_stale() computes
 * them again.  The readers (racing.feature_vector_base, race_card_base)
 * compute a stale vector on the fly, so nobody sees a stale value.
 *
 * Whole races.  The triggers collect the races touched by a statement and
 * process each race as a whole: retract the members of its entries,
 * insert them again from the current rows, then compute every vector of
 * the race from history before its slot.  A race's own results are
 * therefore never inputs to its own vectors, not even through another
 * runner of the same trainer.
 *
 * Note about locking.  racing.feature_latest has one row per participant
 * with the newest slot it has members at.  Each statement upserts the
 * rows of all its participants, in key order, before it writes history or
 * reads it for vectors.  Two transactions that share a participant are
 * thereby ordered: the second waits for the first to commit, then either
 * reads its history (READ COMMITTED takes a new snapshot per statement)
 * or, if it adds older history, sees that later members exist and marks
 * them stale.  Aggregate rows are only ever changed by
 * INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n, never by
 * read-modify-write, so no update is lost.  Concurrent multi-statement
 * loads that share participants can deadlock (each holds the rows of its
 * first batches); PostgreSQL then aborts one of them, which can be
 * retried.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "features.h"

#define NAN4 ((float4) NAN)

/* races handled per step by recompute_stale() and rebuild_features() */
#define FEAT_CHUNK_RACES 200

PG_FUNCTION_INFO_V1(features_entry_trigger);
PG_FUNCTION_INFO_V1(features_race_trigger);
PG_FUNCTION_INFO_V1(features_recompute_stale);
PG_FUNCTION_INFO_V1(features_rebuild);
PG_FUNCTION_INFO_V1(features_vectors_now);
PG_FUNCTION_INFO_V1(features_builtin_names);

/* A growable column of Datums, passed to SQL as one array. */
typedef struct ColBuf
{
	Oid			type;
	int			n;
	int			cap;
	Datum	   *v;
} ColBuf;

/* One fetched entry: pre-race columns, and the result for history only. */
typedef struct FRow
{
	int64		entry_id;
	int			race_idx;
	bool		has_result;
	HorseEntry	h;
	NascarEntry n;
	char	   *sire;			/* horse */
	char	   *make;			/* NASCAR */
	/* post-race: never an input of this entry's own vector */
	bool		counts;			/* a run or start that enters history */
	float4		position;
	float4		ovr_btn;
	float4		rpr;
	float4		finish;
	float4		laps;
	float4		led;
	float4		s1;
	float4		s2;
	float4		rating;
	float4		points;
	int			cat;
	bool		scratched;		/* NASCAR: not in the field */
} FRow;

/* One fetched race. */
typedef struct FRace
{
	int64		race_id;
	int			tl;
	int32		slot;
	int			first;			/* index of its first row */
	int			nrows;
	HorseRace	h;
	NascarRace	n;
	float4		race_laps;		/* NASCAR: the winner's laps */
	int			winners;		/* horse: runners placed first */
} FRace;

/* Races and entries of one sport, rows grouped by race. */
typedef struct FBatch
{
	bool		horse;
	int			nraces;
	FRace	   *races;
	int			nrows;
	FRow	   *rows;
} FBatch;

/* A participant of a statement, with the slots it touches. */
typedef struct PartKey
{
	int16		kind;
	int64		key;
	int32		min_slot;
	int32		max_slot;
} PartKey;

/* Column buffers of new members. */
typedef struct MemberBuf
{
	ColBuf		kind,
				key,
				slot,
				entry,
				race,
				n,
				v1,
				v2,
				v3,
				off,
				len,
				stats;
} MemberBuf;

/* ----------------------------------------------------------------
 * Small helpers
 * ----------------------------------------------------------------
 */

/* Start an empty column of the given element type. */
static void
colbuf_init(ColBuf *b, Oid type)
{
	b->type = type;
	b->n = 0;
	b->cap = 64;
	b->v = palloc(sizeof(Datum) * b->cap);
}

/* Append one value to a column. */
static void
colbuf_push(ColBuf *b, Datum d)
{
	if (b->n == b->cap)
	{
		b->cap *= 2;
		b->v = repalloc_huge(b->v, sizeof(Datum) * b->cap);
	}
	b->v[b->n++] = d;
}

/* The column as a one-dimensional SQL array. */
static Datum
colbuf_array(ColBuf *b)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(b->type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(b->v, b->n, b->type, typlen,
										   typbyval, typalign));
}

/* Timeline of a NASCAR series. */
static int
series_timeline(const char *series)
{
	if (strcmp(series, "cup") == 0)
		return TL_CUP;
	if (strcmp(series, "xfinity") == 0)
		return TL_XFINITY;
	if (strcmp(series, "truck") == 0)
		return TL_TRUCK;
	return 16 + (int) (hash_bytes((const unsigned char *) series,
								  strlen(series)) % 30000);
}

/* 63-bit key of a text and a small number (sire and going, ...). */
static int64
text_key(const char *s, int extra)
{
	uint64		h = hash_bytes_extended((const unsigned char *) s, strlen(s),
										(uint64) extra);

	return (int64) (h & UINT64CONST(0x7FFFFFFFFFFFFFFF));
}

/* Value of a nullable column as float4, NaN when NULL. */
static float4
col_f4(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	Oid			type = SPI_gettypeid(desc, col);

	if (isnull)
		return NAN4;
	switch (type)
	{
		case INT4OID:
			return (float4) DatumGetInt32(d);
		case INT8OID:
			return (float4) DatumGetInt64(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			return (float4) DatumGetFloat8(d);
		default:
			elog(ERROR, "unexpected type %u in feature query", type);
	}
	return NAN4;
}

/* Value of a nullable int column, 0 when NULL. */
static int64
col_i8(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		return 0;
	if (SPI_gettypeid(desc, col) == INT8OID)
		return DatumGetInt64(d);
	return DatumGetInt32(d);
}

/* Value of a nullable bool column, false when NULL. */
static bool
col_bool(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* Value of a nullable text column, NULL when NULL (palloc'd copy). */
static char *
col_text(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

/*
 * Run a statement through a plan prepared once per backend.  planp is
 * the caller's static cache.  Every statement runs as read-write, so
 * that SPI takes a new snapshot: a trigger fired inside another
 * function's statement (the loaders) must see the rows just written.
 * The plan is generic: a custom plan folds the parameters into the
 * query and, with statistics that lag behind a fast-growing history
 * table, can pick a scan of a whole timeline (a bitmap AND with
 * "tl = 1" on the primary key) where an index probe per requested key is
 * meant; every feature query is written so that its generic plan probes
 * the indexes, and it is planned once per backend (again after an
 * ANALYZE).  SPI leaves its procedure context current after a call: the caller's
 * context is made current again, so that what the caller allocates
 * next goes where it expects (and is freed with it).  The caller frees
 * SPI_tuptable when it has read it.
 */
static int
run_plan(SPIPlanPtr *planp, const char *sql, int nargs, Oid *types,
		 Datum *values, bool read_only)
{
	MemoryContext caller = CurrentMemoryContext;
	int			ret;
	int			save_nestlevel;

	if (*planp == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types,
											  CURSOR_OPT_GENERIC_PLAN);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for feature query: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*planp = plan;
	}

	/*
	 * The generic plan is made at the first execution, often in the very
	 * statement that fills tables still empty (a first load, one long
	 * transaction that autovacuum cannot analyze): a sequential scan
	 * would then be cheapest and stay in the plan for the whole load,
	 * making each statement cost as much as the history; so would a hash
	 * or merge join that reads a whole table or index.  Planning with
	 * those disabled keeps the nested loops of index probes the queries
	 * are written for: each statement reads only the keys it touches.
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_hashjoin", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("enable_mergejoin", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	ret = SPI_execute_plan(*planp, values, NULL, false, 0);
	AtEOXact_GUC(true, save_nestlevel);
	MemoryContextSwitchTo(caller);
	if (ret < 0)
		elog(ERROR, "feature query failed: %s", SPI_result_code_string(ret));
	return ret;
}

/* ----------------------------------------------------------------
 * Fetching races and entries
 *
 * OFFSET 0 keeps each LATERAL subquery from being pulled up into the
 * join: the race ids of the statement stay the outer side and each race
 * is read through the race-id index.  Pulled up, the planner may put the
 * entry table outside (a whole-index scan when its statistics say it is
 * empty) and test every race id against every entry.
 * ----------------------------------------------------------------
 */

static const char *horse_fetch_sql =
"SELECT e.runner_id, e.race_id, e.horse_id, e.jockey_id, e.trainer_id, h.sire,"
"  (x.race_date - DATE '1900-01-01'),"
"  x.course_id * 4 + CASE x.surface WHEN 'Turf' THEN 0 WHEN 'AW' THEN 1"
"    WHEN NULL THEN 3 ELSE 2 END,"
"  x.race_type = 'Flat', x.race_class, x.pattern,"
"  coalesce(x.race_name ~* '(handicap|nursery)', false), x.dist_f, x.going_group,"
"  e.draw, e.age, e.sex, e.lbs, e.headgear, e.official_rating, e.non_runner,"
"  e.has_result, e.position, e.finished, e.ovr_btn, e.rpr"
" FROM unnest($1::int8[]) AS k(race_id)"
" CROSS JOIN LATERAL (SELECT * FROM racing.runner r WHERE r.race_id = k.race_id"
"   OFFSET 0) e"
" JOIN racing.race x ON x.race_id = e.race_id"
" JOIN racing.horse h ON h.horse_id = e.horse_id"
" ORDER BY e.race_id, e.runner_id";

static const char *nascar_fetch_sql =
"SELECT e.entry_id, e.race_id, e.driver_id, e.team_id, e.make, e.start_pos,"
"  e.scratched, x.series, x.season, x.race_num, x.track_id, x.track_type,"
"  e.has_result, e.finish, e.laps, e.laps_led, e.status_category, e.stage1,"
"  e.stage2, e.rating, e.points"
" FROM unnest($1::int8[]) AS k(race_id)"
" CROSS JOIN LATERAL (SELECT * FROM racing.nascar_entry n WHERE n.race_id = k.race_id"
"   OFFSET 0) e"
" JOIN racing.nascar_race x ON x.race_id = e.race_id"
" ORDER BY x.series, e.race_id, e.entry_id";

/* Fill the race-level columns of a horse race from its first row. */
static void
horse_race_from_tuple(FRace *race, HeapTuple tup, TupleDesc desc)
{
	HorseRace  *h = &race->h;
	char	   *s;
	char	   *cls = col_text(tup, desc, 10);
	char	   *pat = col_text(tup, desc, 11);
	int64		day = col_i8(tup, desc, 7);

	if (day < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("race date before 1900-01-01 has no feature time slot"),
				 errdetail("Race %lld.", (long long) race->race_id)));
	race->tl = TL_HORSE;
	race->slot = (int32) day;
	h->race_id = race->race_id;
	h->day = (int32) day;
	h->course_key = (int32) col_i8(tup, desc, 8);
	h->flat = col_bool(tup, desc, 9);
	h->class_num = horse_class_num(cls, pat);
	h->handicap = col_bool(tup, desc, 12);
	h->dist_f = col_f4(tup, desc, 13);
	s = col_text(tup, desc, 14);
	h->going = horse_going_code(s);
}

/* Fill the race-level columns of a NASCAR race from its first row. */
static void
nascar_race_from_tuple(FRace *race, HeapTuple tup, TupleDesc desc)
{
	NascarRace *n = &race->n;
	char	   *series = col_text(tup, desc, 8);
	int64		season = col_i8(tup, desc, 9);
	int64		race_num = col_i8(tup, desc, 10);

	if (season < 0 || season > 9999 || race_num < 0 || race_num > 99)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("NASCAR race number out of range for feature time slots"),
				 errdetail("Season %lld race %lld; race numbers 0 to 99 and seasons 0 to 9999 are supported.",
						   (long long) season, (long long) race_num)));
	race->tl = series_timeline(series ? series : "cup");
	race->slot = (int32) (season * 100 + race_num);
	n->race_id = race->race_id;
	n->slot = race->slot;
	n->season = (int32) season;
	n->track_id = (int32) col_i8(tup, desc, 11);
	n->track_type = nascar_track_type_code(col_text(tup, desc, 12));
}

/*
 * Read every entry of the given races with their race columns, and
 * derive the field-level values (starters, top weight, ...).
 */
static FBatch *
fetch_batch(bool horse, Datum race_ids)
{
	static SPIPlanPtr horse_plan = NULL;
	static SPIPlanPtr nascar_plan = NULL;
	Oid			types[1] = {INT8ARRAYOID};
	FBatch	   *b = palloc0(sizeof(FBatch));
	TupleDesc	desc;
	uint64		i;
	int			r;

	run_plan(horse ? &horse_plan : &nascar_plan,
			 horse ? horse_fetch_sql : nascar_fetch_sql,
			 1, types, &race_ids, true);
	desc = SPI_tuptable->tupdesc;
	b->horse = horse;
	b->nrows = (int) SPI_processed;
	b->rows = palloc0(sizeof(FRow) * Max(b->nrows, 1));
	b->races = palloc0(sizeof(FRace) * Max(b->nrows, 1));

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		FRow	   *row = &b->rows[i];
		int64		race_id = col_i8(tup, desc, 2);
		FRace	   *race;

		if (b->nraces == 0 || b->races[b->nraces - 1].race_id != race_id)
		{
			race = &b->races[b->nraces++];
			race->race_id = race_id;
			race->first = (int) i;
			if (horse)
				horse_race_from_tuple(race, tup, desc);
			else
				nascar_race_from_tuple(race, tup, desc);
		}
		race = &b->races[b->nraces - 1];
		race->nrows++;
		row->race_idx = b->nraces - 1;
		row->entry_id = col_i8(tup, desc, 1);

		if (horse)
		{
			HorseEntry *h = &row->h;
			char	   *sex;
			bool		finished;

			h->entry_id = row->entry_id;
			h->horse_id = col_i8(tup, desc, 3);
			h->jockey_id = col_i8(tup, desc, 4);
			h->trainer_id = col_i8(tup, desc, 5);
			row->sire = col_text(tup, desc, 6);
			h->has_sire = row->sire != NULL;
			h->draw = col_f4(tup, desc, 15);
			h->age = col_f4(tup, desc, 16);
			sex = col_text(tup, desc, 17);
			h->sex = sex ? sex[0] : '\0';
			h->lbs = col_f4(tup, desc, 18);
			h->hg_mask = horse_hg_mask(col_text(tup, desc, 19), &h->hg_first_time);
			h->official_rating = col_f4(tup, desc, 20);
			h->non_runner = col_bool(tup, desc, 21);

			row->has_result = col_bool(tup, desc, 22);
			row->position = col_f4(tup, desc, 23);
			finished = col_bool(tup, desc, 24);
			row->ovr_btn = col_f4(tup, desc, 25);
			row->rpr = col_f4(tup, desc, 26);
			row->counts = row->has_result && !h->non_runner &&
				(!isnan(row->position) || !finished);
		}
		else
		{
			NascarEntry *n = &row->n;
			char	   *cat;

			n->entry_id = row->entry_id;
			n->driver_id = col_i8(tup, desc, 3);
			n->team_id = col_i8(tup, desc, 4);
			row->make = col_text(tup, desc, 5);
			n->start_pos = col_f4(tup, desc, 6);
			if (n->start_pos <= 0)
				n->start_pos = NAN4;
			row->has_result = col_bool(tup, desc, 13);
			row->finish = col_f4(tup, desc, 14);
			row->laps = col_f4(tup, desc, 15);
			row->led = col_f4(tup, desc, 16);
			cat = col_text(tup, desc, 17);
			row->cat = nascar_status_code(cat);
			row->s1 = col_f4(tup, desc, 18);
			row->s2 = col_f4(tup, desc, 19);
			row->rating = col_f4(tup, desc, 20);
			row->points = col_f4(tup, desc, 21);
			row->scratched = col_bool(tup, desc, 7);
			row->counts = row->has_result && !row->scratched &&
				!isnan(row->finish) &&
				!(cat != NULL && strcmp(cat, "did not start") == 0);
		}
	}
	SPI_freetuptable(SPI_tuptable);

	/* field-level values, from pre-race columns of the declared field */
	for (r = 0; r < b->nraces; r++)
	{
		FRace	   *race = &b->races[r];
		int			k;

		if (horse)
		{
			double		or_sum = 0,
						age_sum = 0;
			int			or_n = 0,
						age_n = 0;
			bool		any_position = false;

			race->h.max_lbs = NAN4;
			race->h.max_draw = 0;
			for (k = race->first; k < race->first + race->nrows; k++)
			{
				FRow	   *row = &b->rows[k];

				if (row->h.non_runner)
					continue;
				race->h.starters++;
				if (!isnan(row->h.lbs) &&
					(isnan(race->h.max_lbs) || row->h.lbs > race->h.max_lbs))
					race->h.max_lbs = row->h.lbs;
				if (!isnan(row->h.official_rating))
				{
					or_sum += row->h.official_rating;
					or_n++;
				}
				if (!isnan(row->h.age))
				{
					age_sum += row->h.age;
					age_n++;
				}
				if (!isnan(row->h.draw) && row->h.draw > race->h.max_draw)
					race->h.max_draw = (int) row->h.draw;
				if (row->counts && !isnan(row->position))
					any_position = true;
				if (row->counts && row->position == 1)
					race->winners++;
			}
			race->h.mean_or = or_n > 0 ? (float4) (or_sum / or_n) : NAN4;
			race->h.mean_age = age_n > 0 ? (float4) (age_sum / age_n) : NAN4;
			/* a void race (no placed runner) adds no history */
			if (!any_position)
				for (k = race->first; k < race->first + race->nrows; k++)
					b->rows[k].counts = false;
		}
		else
		{
			race->race_laps = 0;
			for (k = race->first; k < race->first + race->nrows; k++)
			{
				FRow	   *row = &b->rows[k];

				if (!row->scratched)
					race->n.field_size++;
				if (row->counts && !isnan(row->laps) && row->laps > race->race_laps)
					race->race_laps = row->laps;
			}
		}
	}
	return b;
}

/* ----------------------------------------------------------------
 * History rows (members) of a race's entries
 * ----------------------------------------------------------------
 */

/* Places paid in a field of ran starters (UK each-way terms). */
static int
places_paid(int ran, bool handicap)
{
	if (ran <= 4)
		return 1;
	if (ran <= 7)
		return 2;
	if (handicap && ran >= 16)
		return 4;
	return 3;
}

/* Record one participant of a statement in the key table. */
static void
note_key(HTAB *keys, int16 kind, int64 key, int32 slot)
{
	PartKey		probe;
	PartKey    *pk;
	bool		found;

	memset(&probe, 0, sizeof(probe));
	probe.kind = kind;
	probe.key = key;
	pk = hash_search(keys, &probe, HASH_ENTER, &found);
	if (!found)
	{
		pk->min_slot = slot;
		pk->max_slot = slot;
	}
	else
	{
		pk->min_slot = Min(pk->min_slot, slot);
		pk->max_slot = Max(pk->max_slot, slot);
	}
}

/* Append one member row. */
static void
add_member(MemberBuf *m, HTAB *keys, int16 kind, int64 key, int32 slot,
		   int64 entry_id, int64 race_id, double n, double v1, double v2,
		   double v3, const float4 *stats, int nstats)
{
	int			i;

	colbuf_push(&m->kind, Int16GetDatum(kind));
	colbuf_push(&m->key, Int64GetDatum(key));
	colbuf_push(&m->slot, Int32GetDatum(slot));
	colbuf_push(&m->entry, Int64GetDatum(entry_id));
	colbuf_push(&m->race, Int64GetDatum(race_id));
	colbuf_push(&m->n, Float8GetDatum(n));
	colbuf_push(&m->v1, Float8GetDatum(v1));
	colbuf_push(&m->v2, Float8GetDatum(v2));
	colbuf_push(&m->v3, Float8GetDatum(v3));
	colbuf_push(&m->off, Int32GetDatum(m->stats.n + 1));
	colbuf_push(&m->len, Int32GetDatum(nstats));
	for (i = 0; i < nstats; i++)
		colbuf_push(&m->stats, Float4GetDatum(stats[i]));
	note_key(keys, kind, key, slot);
}

/* The members of one horse race's entries. */
static void
horse_members(FBatch *b, FRace *race, MemberBuf *m, HTAB *keys)
{
	HorseRace  *hr = &race->h;
	int			ran = hr->starters;
	int			k;

	for (k = race->first; k < race->first + race->nrows; k++)
	{
		FRow	   *row = &b->rows[k];
		HorseEntry *e = &row->h;
		double		n = row->counts ? 1 : 0;
		double		win = 0,
					place = 0;
		float4		stats[HS_N];

		if (row->counts)
		{
			bool		placed_pos = !isnan(row->position);
			float4		beaten;

			win = placed_pos && row->position == 1 ? 1 : 0;
			place = placed_pos &&
				row->position <= places_paid(ran, hr->handicap) ? 1 : 0;
			if (placed_pos && row->position == 1)
				beaten = 0;
			else if (placed_pos)
				beaten = isnan(row->ovr_btn) ? 30 : Min(row->ovr_btn, 30);
			else
				beaten = 30;
			stats[HS_DAY] = hr->day;
			if (!placed_pos)
				stats[HS_NORMPOS] = 1;
			else if (ran >= 2)
				stats[HS_NORMPOS] = Min(1, (row->position - 1) / (ran - 1));
			else
				stats[HS_NORMPOS] = 0;
			stats[HS_BEATEN] = beaten;
			stats[HS_WIN] = win;
			stats[HS_PLACE] = place;
			stats[HS_DIST_F] = hr->dist_f;
			stats[HS_GOING] = hr->going;
			stats[HS_COURSE] = hr->course_key;
			stats[HS_RPR] = row->rpr;
			stats[HS_CLASS] = hr->class_num;
			stats[HS_LBS] = e->lbs;
			stats[HS_OR] = e->official_rating;
			stats[HS_HG] = e->hg_mask;
			stats[HS_BEATEN_PF] = hr->dist_f > 0 ? beaten / hr->dist_f : NAN4;
		}
		add_member(m, keys, FK_HORSE, e->horse_id, hr->day, row->entry_id,
				   race->race_id, n, win, place, 0, stats,
				   row->counts ? HS_N : 0);
		if (e->jockey_id != 0)
			add_member(m, keys, FK_JOCKEY, e->jockey_id, hr->day, row->entry_id,
					   race->race_id, n, win, place, 0, NULL, 0);
		if (e->trainer_id != 0)
			add_member(m, keys, FK_TRAINER, e->trainer_id, hr->day,
					   row->entry_id, race->race_id, n, win, place, 0, NULL, 0);
		if (e->jockey_id != 0 && e->trainer_id != 0)
			add_member(m, keys, FK_JT, (e->jockey_id << 32) | e->trainer_id,
					   hr->day, row->entry_id, race->race_id, n, win, place, 0,
					   NULL, 0);
		if (row->sire != NULL && hr->going != 0)
			add_member(m, keys, FK_SIRE_GOING, text_key(row->sire, hr->going),
					   hr->day, row->entry_id, race->race_id, n, win, 0, 0,
					   NULL, 0);
		if (row->sire != NULL && !isnan(hr->dist_f))
			add_member(m, keys, FK_SIRE_DIST,
					   text_key(row->sire, 100 + (int) rint(hr->dist_f)),
					   hr->day, row->entry_id, race->race_id, n, win, 0, 0,
					   NULL, 0);
		if (hr->flat && !isnan(e->draw) && hr->max_draw >= 3 &&
			!isnan(hr->dist_f))
		{
			double		share = 0,
						v[3] = {0, 0, 0};

			if (win > 0 && race->winners > 0)
			{
				int			third;

				share = 1.0 / race->winners;
				if (e->draw * 3 <= hr->max_draw)
					third = 0;
				else if (e->draw * 3 <= 2 * hr->max_draw)
					third = 1;
				else
					third = 2;
				v[third] = share;
			}
			add_member(m, keys, FK_DRAW,
					   (int64) hr->course_key * 64 + Min(63, (int) rint(hr->dist_f)),
					   hr->day, row->entry_id, race->race_id, share, v[0], v[1],
					   v[2], NULL, 0);
		}
	}
}

/* The members of one NASCAR race's entries. */
static void
nascar_members(FBatch *b, FRace *race, MemberBuf *m, HTAB *keys)
{
	NascarRace *nr = &race->n;
	int			k;

	for (k = race->first; k < race->first + race->nrows; k++)
	{
		FRow	   *row = &b->rows[k];
		NascarEntry *e = &row->n;
		double		n = row->counts ? 1 : 0;
		float4		stats[DS_N];
		float4		team_stats[2];
		float4		pts_stats[2];

		if (row->counts)
		{
			stats[DS_SLOT] = race->slot;
			stats[DS_FINISH] = row->finish;
			stats[DS_START] = e->start_pos;
			stats[DS_LAPS] = isnan(row->laps) ? 0 : row->laps;
			stats[DS_RACE_LAPS] = race->race_laps;
			stats[DS_LED] = isnan(row->led) ? 0 : row->led;
			stats[DS_CAT] = row->cat;
			stats[DS_S1] = row->s1;
			stats[DS_S2] = row->s2;
			stats[DS_RATING] = row->rating;
			stats[DS_TRACK] = nr->track_id;
			stats[DS_TTYPE] = nr->track_type;
			stats[DS_TEAM] = e->team_id != 0 ? (float4) e->team_id : NAN4;
			stats[DS_SEASON] = nr->season;
			stats[DS_POINTS] = isnan(row->points) ? 0 : row->points;
			stats[DS_FIELD] = nr->field_size;
		}
		add_member(m, keys, FK_DRIVER, e->driver_id, race->slot, row->entry_id,
				   race->race_id, n, 0, 0, 0, stats, row->counts ? DS_N : 0);
		if (e->team_id != 0)
		{
			team_stats[0] = race->slot;
			team_stats[1] = row->finish;
			add_member(m, keys, FK_TEAM, e->team_id, race->slot, row->entry_id,
					   race->race_id, n, 0, 0, 0, team_stats,
					   row->counts ? 2 : 0);
		}
		if (row->make != NULL && nr->track_type != 0)
			add_member(m, keys, FK_MAKE_TYPE,
					   text_key(row->make, nr->track_type), race->slot,
					   row->entry_id, race->race_id, n,
					   row->counts ? row->finish : 0, 0, 0, NULL, 0);
		pts_stats[0] = (float4) e->driver_id;
		pts_stats[1] = isnan(row->points) ? 0 : row->points;
		add_member(m, keys, FK_SEASON_PTS, nr->season, race->slot,
				   row->entry_id, race->race_id, n, 0, 0, 0, pts_stats,
				   row->counts ? 2 : 0);
		add_member(m, keys, FK_SERIES, 0, race->slot, row->entry_id,
				   race->race_id, row->counts && row->finish == 1 ? 1 : 0,
				   0, 0, 0, NULL, 0);
	}
}

/* Order of participant keys: the lock order of racing.feature_latest. */
static int
partkey_cmp(const void *a, const void *b)
{
	const PartKey *x = a;
	const PartKey *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return 0;
}

/* ----------------------------------------------------------------
 * Aggregate reads
 * ----------------------------------------------------------------
 */

/* A window of one participant's sums: the unit that is read once. */
typedef struct WinKey
{
	int16		kind;
	int64		key;
	int32		lo;
	int32		hi;
} WinKey;

/* A distinct window and its number. */
typedef struct WinEnt
{
	WinKey		k;
	int32		win;
} WinEnt;

/*
 * Aggregate requests of a statement.  Requests for the same window of
 * the same participant (a jockey's rides of one day, a sire's runners in
 * one going) share one read: map[idx] is the window number of request
 * idx (-1: none), and the bucket ranges are emitted once per window.
 */
typedef struct AggReq
{
	HTAB	   *wins;
	int			nwin;
	int			nidx;
	int32	   *map;
	ColBuf		win,
				kind,
				key,
				lvl,
				lo,
				hi;
	ColBuf		win0,			/* level 0 ranges: read from the members */
				kind0,
				key0,
				lo0,
				hi0;
} AggReq;

/* Emit one bucket range of a window. */
static void
aggreq_push(AggReq *q, int32 win, int16 kind, int64 key, int lvl,
			int32 lo, int32 hi)
{
	if (lvl == 0)
	{
		colbuf_push(&q->win0, Int32GetDatum(win));
		colbuf_push(&q->kind0, Int16GetDatum(kind));
		colbuf_push(&q->key0, Int64GetDatum(key));
		colbuf_push(&q->lo0, Int32GetDatum(lo));
		colbuf_push(&q->hi0, Int32GetDatum(hi));
		return;
	}
	colbuf_push(&q->win, Int32GetDatum(win));
	colbuf_push(&q->kind, Int16GetDatum(kind));
	colbuf_push(&q->key, Int64GetDatum(key));
	colbuf_push(&q->lvl, Int16GetDatum((int16) lvl));
	colbuf_push(&q->lo, Int32GetDatum(lo));
	colbuf_push(&q->hi, Int32GetDatum(hi));
}

/*
 * Ask for the sum over slots [lo, hi) of a participant as request idx.
 * A new window is read as at most two bucket ranges per level of the
 * tree; a window asked for before is not read again.
 */
static void
aggreq_add(AggReq *q, int32 idx, int16 kind, int64 key, int32 lo, int32 hi)
{
	WinKey		probe;
	WinEnt	   *ent;
	bool		found;
	int32		win;
	int			lvl;

	Assert(idx >= 0 && idx < q->nidx);
	if (lo < 0)
		lo = 0;
	memset(&probe, 0, sizeof(probe));
	probe.kind = kind;
	probe.key = key;
	probe.lo = lo;
	probe.hi = hi;
	ent = hash_search(q->wins, &probe, HASH_ENTER, &found);
	if (found)
	{
		q->map[idx] = ent->win;
		return;
	}
	win = ent->win = q->nwin++;
	q->map[idx] = win;

	for (lvl = 0; lo < hi; lvl++)
	{
		int32		plo,
					phi;

		if (lvl == FEAT_AGG_LEVELS - 1)
		{
			aggreq_push(q, win, kind, key, lvl, lo, hi);
			break;
		}
		plo = (lo + 7) >> 3;
		phi = hi >> 3;
		if (plo >= phi)
		{
			aggreq_push(q, win, kind, key, lvl, lo, hi);
			break;
		}
		if (lo < (plo << 3))
			aggreq_push(q, win, kind, key, lvl, lo, plo << 3);
		if ((phi << 3) < hi)
			aggreq_push(q, win, kind, key, lvl, phi << 3, hi);
		lo = plo;
		hi = phi;
	}
}

/* Initialise request buffers for requests 0 .. nidx - 1. */
static void
aggreq_init(AggReq *q, int nidx)
{
	HASHCTL		ctl;
	int			i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(WinKey);
	ctl.entrysize = sizeof(WinEnt);
	ctl.hcxt = CurrentMemoryContext;
	q->wins = hash_create("racing feature windows", Max(nidx, 64), &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	q->nwin = 0;
	q->nidx = nidx;
	q->map = palloc(sizeof(int32) * Max(nidx, 1));
	for (i = 0; i < nidx; i++)
		q->map[i] = -1;
	colbuf_init(&q->win, INT4OID);
	colbuf_init(&q->kind, INT2OID);
	colbuf_init(&q->key, INT8OID);
	colbuf_init(&q->lvl, INT2OID);
	colbuf_init(&q->lo, INT4OID);
	colbuf_init(&q->hi, INT4OID);
	colbuf_init(&q->win0, INT4OID);
	colbuf_init(&q->kind0, INT2OID);
	colbuf_init(&q->key0, INT8OID);
	colbuf_init(&q->lo0, INT4OID);
	colbuf_init(&q->hi0, INT4OID);
}

/* Add the rows (w, n, v1, v2, v3) of the last query to the window sums. */
static void
aggreq_collect(double *sums)
{
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		int			w = (int) col_i8(tup, desc, 1);
		int			j;

		for (j = 0; j < 4; j++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(tup, desc, j + 2, &isnull);

			if (!isnull)
				sums[w * 4 + j] += DatumGetFloat8(d);
		}
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Run the requests; out[idx * 4 + j] receives the sums of n, v1, v2, v3
 * (zero when nothing matched).  Each bucket range is one index range
 * scan (a LATERAL subquery, so that the plan is a probe per range
 * whatever the statistics say): of feature_agg's primary key for levels
 * 1 and up, of feature_member's for level 0.  The ranges of a window
 * are added up here.
 */
static void
aggreq_run(AggReq *q, int tl, double *out)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr plan0 = NULL;
	Oid			types[7] = {INT4OID, INT4ARRAYOID, INT2ARRAYOID, INT8ARRAYOID,
	INT2ARRAYOID, INT4ARRAYOID, INT4ARRAYOID};
	Oid			types0[6] = {INT4OID, INT4ARRAYOID, INT2ARRAYOID, INT8ARRAYOID,
	INT4ARRAYOID, INT4ARRAYOID};
	Datum		values[7];
	double	   *sums;
	int			idx;

	memset(out, 0, sizeof(double) * 4 * q->nidx);
	if (q->nwin == 0)
		return;
	sums = palloc0(sizeof(double) * 4 * q->nwin);
	if (q->win.n > 0)
	{
		values[0] = Int32GetDatum(tl);
		values[1] = colbuf_array(&q->win);
		values[2] = colbuf_array(&q->kind);
		values[3] = colbuf_array(&q->key);
		values[4] = colbuf_array(&q->lvl);
		values[5] = colbuf_array(&q->lo);
		values[6] = colbuf_array(&q->hi);
		run_plan(&plan,
				 "SELECT q.w, s.n, s.v1, s.v2, s.v3"
				 " FROM unnest($2, $3, $4, $5, $6, $7) q(w, kind, key, lvl, lo, hi)"
				 " CROSS JOIN LATERAL (SELECT sum(a.n) n, sum(a.v1) v1, sum(a.v2) v2,"
				 "   sum(a.v3) v3 FROM racing.feature_agg a"
				 "   WHERE a.tl = $1 AND a.kind = q.kind AND a.key = q.key"
				 "   AND a.lvl = q.lvl AND a.slot >= q.lo AND a.slot < q.hi) s"
				 " WHERE s.n IS NOT NULL",
				 7, types, values, true);
		aggreq_collect(sums);
	}
	if (q->win0.n > 0)
	{
		values[0] = Int32GetDatum(tl);
		values[1] = colbuf_array(&q->win0);
		values[2] = colbuf_array(&q->kind0);
		values[3] = colbuf_array(&q->key0);
		values[4] = colbuf_array(&q->lo0);
		values[5] = colbuf_array(&q->hi0);
		run_plan(&plan0,
				 "SELECT q.w, s.n, s.v1, s.v2, s.v3"
				 " FROM unnest($2, $3, $4, $5, $6) q(w, kind, key, lo, hi)"
				 " CROSS JOIN LATERAL (SELECT sum(m.n) n, sum(m.v1) v1, sum(m.v2) v2,"
				 "   sum(m.v3) v3 FROM racing.feature_member m"
				 "   WHERE m.tl = $1 AND m.kind = q.kind AND m.key = q.key"
				 "   AND m.slot >= q.lo AND m.slot < q.hi) s"
				 " WHERE s.n IS NOT NULL",
				 6, types0, values, true);
		aggreq_collect(sums);
	}
	for (idx = 0; idx < q->nidx; idx++)
		if (q->map[idx] >= 0)
			memcpy(out + idx * 4, sums + q->map[idx] * 4, sizeof(double) * 4);
}

/*
 * History lists: for each (key, slot) request, the stats arrays of the
 * members of kind with key before slot, newest first, at most limit per
 * request (0: all).  Returns per request a palloc'd float array of
 * width floats per row and the row count.
 */
static void
history_lists(int tl, int16 kind, ColBuf *keys, ColBuf *slots, int limit,
			  int width, float4 **lists, int *counts)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[5] = {INT4OID, INT2OID, INT8ARRAYOID, INT4ARRAYOID, INT4OID};
	Datum		values[5];
	int			nreq = keys->n;
	int		   *caps;
	uint64		i;

	memset(counts, 0, sizeof(int) * nreq);
	memset(lists, 0, sizeof(float4 *) * nreq);
	if (nreq == 0)
		return;
	caps = palloc0(sizeof(int) * nreq);
	values[0] = Int32GetDatum(tl);
	values[1] = Int16GetDatum(kind);
	values[2] = colbuf_array(keys);
	values[3] = colbuf_array(slots);
	values[4] = Int32GetDatum(limit > 0 ? limit : INT_MAX);
	run_plan(&plan,
			 "SELECT q.i::int4, h.stats FROM unnest($3, $4) WITH ORDINALITY q(key, slot, i)"
			 " CROSS JOIN LATERAL (SELECT m.slot, m.entry_id, m.stats"
			 "   FROM racing.feature_member m WHERE m.tl = $1 AND m.kind = $2"
			 "   AND m.key = q.key AND m.slot < q.slot AND m.n > 0"
			 "   ORDER BY m.slot DESC, m.entry_id DESC LIMIT $5) h"
			 " ORDER BY q.i, h.slot DESC, h.entry_id DESC",
			 5, types, values, true);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		int			r = (int) col_i8(tup, desc, 1) - 1;
		bool		isnull;
		Datum		d = SPI_getbinval(tup, desc, 2, &isnull);
		ArrayType  *arr;
		int			nel;

		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		nel = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		if (ARR_HASNULL(arr) || nel != width)
			elog(ERROR, "feature history row of kind %d has %d values, expected %d",
				 kind, nel, width);
		if (counts[r] == caps[r])
		{
			caps[r] = Max(8, caps[r] * 2);
			lists[r] = lists[r] ? repalloc(lists[r], sizeof(float4) * width * caps[r])
				: palloc(sizeof(float4) * width * caps[r]);
		}
		memcpy(lists[r] + counts[r] * width,
			   (char *) arr + ARR_OVERHEAD_NONULLS(ARR_NDIM(arr)),
			   sizeof(float4) * width);
		counts[r]++;
		if ((Pointer) arr != DatumGetPointer(d))
			pfree(arr);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* ----------------------------------------------------------------
 * Vectors
 * ----------------------------------------------------------------
 */

/*
 * Compute the vectors of every entry of races [r0, r1) of the batch
 * (all of one timeline).  vecs receives nfeatures floats per row, in row
 * order starting at the first row of race r0.
 */
static void
compute_vectors(FBatch *b, int r0, int r1, float4 *vecs)
{
	int			row0 = b->races[r0].first;
	int			row1 = b->races[r1 - 1].first + b->races[r1 - 1].nrows;
	int			nrows = row1 - row0;
	int			tl = b->races[r0].tl;
	ColBuf		keys,
				slots;
	float4	  **lists = palloc(sizeof(float4 *) * Max(nrows, 1));
	int		   *counts = palloc(sizeof(int) * Max(nrows, 1));
	AggReq		q;
	int			k;

	colbuf_init(&keys, INT8OID);
	colbuf_init(&slots, INT4OID);
	aggreq_init(&q, b->horse ? nrows * HA_N : nrows);

	if (b->horse)
	{
		double	   *aggs = palloc(sizeof(double) * 4 * HA_N * Max(nrows, 1));

		for (k = row0; k < row1; k++)
		{
			FRow	   *row = &b->rows[k];
			HorseRace  *hr = &b->races[row->race_idx].h;
			HorseEntry *e = &row->h;
			int32		d = hr->day;
			int			base = (k - row0) * HA_N;

			colbuf_push(&keys, Int64GetDatum(e->horse_id));
			colbuf_push(&slots, Int32GetDatum(d));
			if (e->jockey_id != 0)
				aggreq_add(&q, base + HA_JOCKEY_365, FK_JOCKEY, e->jockey_id,
						   d - 365, d);
			if (e->trainer_id != 0)
			{
				aggreq_add(&q, base + HA_TRAINER_365, FK_TRAINER, e->trainer_id,
						   d - 365, d);
				aggreq_add(&q, base + HA_TRAINER_14, FK_TRAINER, e->trainer_id,
						   d - 14, d);
			}
			if (e->jockey_id != 0 && e->trainer_id != 0)
				aggreq_add(&q, base + HA_JT_730, FK_JT,
						   (e->jockey_id << 32) | e->trainer_id, d - 730, d);
			if (row->sire != NULL && hr->going != 0)
				aggreq_add(&q, base + HA_SIRE_GOING, FK_SIRE_GOING,
						   text_key(row->sire, hr->going), 0, d);
			if (row->sire != NULL && !isnan(hr->dist_f))
				aggreq_add(&q, base + HA_SIRE_DIST, FK_SIRE_DIST,
						   text_key(row->sire, 100 + (int) rint(hr->dist_f)), 0, d);
			if (hr->flat && !isnan(e->draw) && hr->max_draw >= 3 &&
				!isnan(hr->dist_f))
				aggreq_add(&q, base + HA_DRAW, FK_DRAW,
						   (int64) hr->course_key * 64 + Min(63, (int) rint(hr->dist_f)),
						   d - 1096, d);
		}
		history_lists(tl, FK_HORSE, &keys, &slots, 0, HS_N, lists, counts);
		aggreq_run(&q, tl, aggs);
		for (k = row0; k < row1; k++)
		{
			FRow	   *row = &b->rows[k];
			int			i = k - row0;

			horse_vector(&b->races[row->race_idx].h, &row->h, lists[i],
						 counts[i], (const double (*)[4]) (aggs + i * HA_N * 4),
						 vecs + (size_t) i * HORSE_NFEATURES);
		}
	}
	else
	{
		ColBuf		tkeys,
					tslots;
		float4	  **tlists = palloc(sizeof(float4 *) * Max(nrows, 1));
		int		   *tcounts = palloc(sizeof(int) * Max(nrows, 1));
		double	   *aggs = palloc(sizeof(double) * 4 * Max(nrows, 1));
		float4	   *since = palloc(sizeof(float4) * Max(nrows, 1));
		float4	   *ranks = palloc(sizeof(float4) * Max(nrows, 1));
		int			r;

		colbuf_init(&tkeys, INT8OID);
		colbuf_init(&tslots, INT4OID);
		for (k = row0; k < row1; k++)
		{
			FRow	   *row = &b->rows[k];
			FRace	   *race = &b->races[row->race_idx];

			colbuf_push(&keys, Int64GetDatum(row->n.driver_id));
			colbuf_push(&slots, Int32GetDatum(race->slot));
			colbuf_push(&tkeys, Int64GetDatum(row->n.team_id));
			colbuf_push(&tslots, Int32GetDatum(race->slot));
			if (row->make != NULL && race->n.track_type != 0)
				aggreq_add(&q, k - row0, FK_MAKE_TYPE,
						   text_key(row->make, race->n.track_type),
						   (race->n.season - 1) * 100, race->slot);
		}
		history_lists(tl, FK_DRIVER, &keys, &slots, 0, DS_N, lists, counts);
		history_lists(tl, FK_TEAM, &tkeys, &tslots, 80, 2, tlists, tcounts);
		aggreq_run(&q, tl, aggs);

		/* races since the previous start: wins recorded on the calendar */
		{
			static SPIPlanPtr plan = NULL;
			Oid			types[3] = {INT4OID, INT4ARRAYOID, INT4ARRAYOID};
			Datum		values[3];
			ColBuf		prev;
			uint64		i;

			colbuf_init(&prev, INT4OID);
			for (k = 0; k < nrows; k++)
			{
				since[k] = NAN4;
				colbuf_push(&prev, Int32GetDatum(counts[k] > 0 ?
												 (int32) lists[k][DS_SLOT] : INT_MAX));
			}
			values[0] = Int32GetDatum(tl);
			values[1] = colbuf_array(&prev);
			values[2] = colbuf_array(&slots);
			run_plan(&plan,
					 "SELECT q.i::int4, (SELECT count(*) FROM racing.feature_member m"
					 "   WHERE m.tl = $1 AND m.kind = 15 AND m.key = 0"
					 "   AND m.slot > q.prev AND m.slot < q.slot AND m.n > 0)"
					 " FROM unnest($2, $3) WITH ORDINALITY q(prev, slot, i)"
					 " WHERE q.prev < q.slot",
					 3, types, values, true);
			for (i = 0; i < SPI_processed; i++)
			{
				HeapTuple	tup = SPI_tuptable->vals[i];

				since[col_i8(tup, SPI_tuptable->tupdesc, 1) - 1] =
					(float4) col_i8(tup, SPI_tuptable->tupdesc, 2);
			}
			SPI_freetuptable(SPI_tuptable);
		}

		/* points rank before the race, per race */
		for (r = r0; r < r1; r++)
		{
			static SPIPlanPtr plan = NULL;
			FRace	   *race = &b->races[r];
			Oid			types[3] = {INT4OID, INT8OID, INT4OID};
			Datum		values[3];
			uint64		i;
			int			j;
			int			npts;
			int64	   *drivers;
			double	   *pts;

			values[0] = Int32GetDatum(tl);
			values[1] = Int64GetDatum(race->n.season);
			values[2] = Int32GetDatum(race->slot);
			run_plan(&plan,
					 "SELECT m.stats[1]::int8, sum(m.stats[2])::float8"
					 " FROM racing.feature_member m WHERE m.tl = $1 AND m.kind = 14"
					 " AND m.key = $2 AND m.slot < $3 AND m.n > 0 GROUP BY 1",
					 3, types, values, true);
			npts = (int) SPI_processed;
			drivers = palloc(sizeof(int64) * Max(npts, 1));
			pts = palloc(sizeof(double) * Max(npts, 1));
			for (i = 0; i < SPI_processed; i++)
			{
				bool		isnull;

				drivers[i] = col_i8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
				pts[i] = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, 2,
													  &isnull));
			}
			SPI_freetuptable(SPI_tuptable);
			for (k = race->first; k < race->first + race->nrows; k++)
			{
				double		mine = 0;
				int			rank = 1;

				ranks[k - row0] = NAN4;
				for (j = 0; j < npts; j++)
					if (drivers[j] == b->rows[k].n.driver_id)
						mine = pts[j];
				if (mine <= 0)
					continue;
				for (j = 0; j < npts; j++)
					if (pts[j] > mine)
						rank++;
				ranks[k - row0] = rank;
			}
		}

		for (k = row0; k < row1; k++)
		{
			FRow	   *row = &b->rows[k];
			int			i = k - row0;
			NascarHistory h;
			int			j,
						nslots = 0;
			double		fsum = 0;
			int			fn = 0;
			float4		last_slot = NAN4;

			/* the team's last ten race slots, every car of the team */
			for (j = 0; j < tcounts[i] && row->n.team_id != 0; j++)
			{
				float4		s = tlists[i][j * 2];

				if (s != last_slot)
				{
					if (nslots == 10)
						break;
					nslots++;
					last_slot = s;
				}
				if (!isnan(tlists[i][j * 2 + 1]))
				{
					fsum += tlists[i][j * 2 + 1];
					fn++;
				}
			}
			h.starts = lists[i];
			h.nstarts = counts[i];
			h.team_form = fn > 0 ? (float4) (fsum / fn) : NAN4;
			h.make_type_form = aggs[i * 4] > 0 ?
				(float4) (aggs[i * 4 + 1] / aggs[i * 4]) : NAN4;
			h.pts_rank = ranks[i];
			h.races_since_last = since[i];
			nascar_vector(&b->races[row->race_idx].n, &row->n, &h,
						  vecs + (size_t) i * NASCAR_NFEATURES);
		}
	}
}

/*
 * Compute and store the vectors of races [r0, r1) of the batch.
 * Returns the number of vectors written.
 */
static int64
store_vectors(FBatch *b, int r0, int r1)
{
	static SPIPlanPtr plan = NULL;
	int			row0 = b->races[r0].first;
	int			row1 = b->races[r1 - 1].first + b->races[r1 - 1].nrows;
	int			nrows = row1 - row0;
	int			nf = b->horse ? HORSE_NFEATURES : NASCAR_NFEATURES;
	float4	   *vecs = palloc(sizeof(float4) * nf * Max(nrows, 1));
	ColBuf		entry,
				race,
				pre,
				slot,
				flat;
	Oid			types[9] = {TEXTOID, INT4OID, INT4OID, INT4OID, FLOAT4ARRAYOID,
	INT8ARRAYOID, INT8ARRAYOID, BOOLARRAYOID, INT4ARRAYOID};
	Datum		values[9];
	int			k;

	if (nrows == 0)
		return 0;
	compute_vectors(b, r0, r1, vecs);

	colbuf_init(&entry, INT8OID);
	colbuf_init(&race, INT8OID);
	colbuf_init(&pre, BOOLOID);
	colbuf_init(&slot, INT4OID);
	colbuf_init(&flat, FLOAT4OID);
	for (k = row0; k < row1; k++)
	{
		FRow	   *row = &b->rows[k];

		colbuf_push(&entry, Int64GetDatum(row->entry_id));
		colbuf_push(&race, Int64GetDatum(b->races[row->race_idx].race_id));
		colbuf_push(&pre, BoolGetDatum(!row->has_result));
		colbuf_push(&slot, Int32GetDatum(b->races[row->race_idx].slot));
	}
	for (k = 0; k < nrows * nf; k++)
		colbuf_push(&flat, Float4GetDatum(vecs[k]));

	values[0] = CStringGetTextDatum(b->horse ? "horse" : "nascar");
	values[1] = Int32GetDatum(FEATURE_SET_VERSION);
	values[2] = Int32GetDatum(nf);
	values[3] = Int32GetDatum(b->races[r0].tl);
	values[4] = colbuf_array(&flat);
	values[5] = colbuf_array(&entry);
	values[6] = colbuf_array(&race);
	values[7] = colbuf_array(&pre);
	values[8] = colbuf_array(&slot);
	run_plan(&plan,
			 "INSERT INTO racing.entry_features AS f (sport, entry_id, race_id,"
			 "  set_version, vec, computed_at, stale, pre_race, tl, slot)"
			 " SELECT $1, q.entry_id, q.race_id, $2,"
			 "  $5[(q.i - 1) * $3 + 1 : q.i * $3], now(), false, q.pre, $4, q.slot"
			 " FROM unnest($6, $7, $8, $9) WITH ORDINALITY q(entry_id, race_id, pre, slot, i)"
			 " ON CONFLICT (sport, entry_id) DO UPDATE SET race_id = excluded.race_id,"
			 "  set_version = excluded.set_version, vec = excluded.vec,"
			 "  computed_at = excluded.computed_at, stale = false,"
			 "  pre_race = excluded.pre_race, tl = excluded.tl, slot = excluded.slot",
			 9, types, values, false);
	return nrows;
}

/* ----------------------------------------------------------------
 * History maintenance of a statement
 * ----------------------------------------------------------------
 */

/* A change of one bucket of the aggregate tree. */
typedef struct AggDeltaKey
{
	int16		kind;
	int16		lvl;
	int32		slot;
	int64		key;
} AggDeltaKey;

/* The sums a statement adds to (or takes from) one bucket. */
typedef struct AggDelta
{
	AggDeltaKey k;
	double		v[4];
} AggDelta;

/* A participant that had members in the statement's races before it. */
typedef struct OldKey
{
	int			tl;
	int16		kind;
	int64		key;
	int32		min_slot;
} OldKey;

/* Does a member of this kind have sums in the aggregate tree? */
static bool
kind_has_agg(int16 kind)
{
	switch (kind)
	{
		case FK_JOCKEY:
		case FK_TRAINER:
		case FK_JT:
		case FK_SIRE_GOING:
		case FK_SIRE_DIST:
		case FK_DRAW:
		case FK_MAKE_TYPE:
			return true;
		default:
			return false;
	}
}

/*
 * Add a member's contribution (sign +1) or take it away (-1) in every
 * stored level of the tree.  Members without sums are skipped, as are
 * contributions that are all zero.
 */
static void
delta_add(HTAB *deltas, int16 kind, int64 key, int32 slot, double sign,
		  double n, double v1, double v2, double v3)
{
	int			lvl;

	if (!kind_has_agg(kind) || (n == 0 && v1 == 0 && v2 == 0 && v3 == 0))
		return;
	/* level 0 is the member rows themselves */
	for (lvl = 1; lvl < FEAT_AGG_LEVELS; lvl++)
	{
		AggDeltaKey probe;
		AggDelta   *d;
		bool		found;

		memset(&probe, 0, sizeof(probe));
		probe.kind = kind;
		probe.lvl = (int16) lvl;
		probe.slot = slot >> (3 * lvl);
		probe.key = key;
		d = hash_search(deltas, &probe, HASH_ENTER, &found);
		if (!found)
			memset(d->v, 0, sizeof(d->v));
		d->v[0] += sign * n;
		d->v[1] += sign * v1;
		d->v[2] += sign * v2;
		d->v[3] += sign * v3;
	}
}

/* Order of bucket changes: the primary key order of feature_agg. */
static int
aggdelta_cmp(const void *a, const void *b)
{
	const AggDelta *x = a;
	const AggDelta *y = b;

	if (x->k.kind != y->k.kind)
		return x->k.kind < y->k.kind ? -1 : 1;
	if (x->k.key != y->k.key)
		return x->k.key < y->k.key ? -1 : 1;
	if (x->k.lvl != y->k.lvl)
		return x->k.lvl < y->k.lvl ? -1 : 1;
	if (x->k.slot != y->k.slot)
		return x->k.slot < y->k.slot ? -1 : 1;
	return 0;
}

/*
 * Apply the bucket changes of a statement: one upsert per changed bucket,
 * in key order, each adding its net change.  A bucket whose removals and
 * additions cancel out (a race reprocessed unchanged) is not written.
 */
static void
apply_deltas(HTAB *deltas, int tl)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[9] = {INT4OID, INT2ARRAYOID, INT8ARRAYOID, INT2ARRAYOID,
		INT4ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
	FLOAT8ARRAYOID};
	Datum		values[9];
	long		nd = hash_get_num_entries(deltas);
	AggDelta   *all;
	AggDelta   *d;
	HASH_SEQ_STATUS seq;
	ColBuf		kind,
				key,
				lvl,
				slot,
				v[4];
	long		i;
	int			j;

	if (nd == 0)
		return;
	all = palloc(sizeof(AggDelta) * nd);
	i = 0;
	hash_seq_init(&seq, deltas);
	while ((d = hash_seq_search(&seq)) != NULL)
		if (d->v[0] != 0 || d->v[1] != 0 || d->v[2] != 0 || d->v[3] != 0)
			all[i++] = *d;
	nd = i;
	if (nd == 0)
		return;
	qsort(all, nd, sizeof(AggDelta), aggdelta_cmp);

	colbuf_init(&kind, INT2OID);
	colbuf_init(&key, INT8OID);
	colbuf_init(&lvl, INT2OID);
	colbuf_init(&slot, INT4OID);
	for (j = 0; j < 4; j++)
		colbuf_init(&v[j], FLOAT8OID);
	for (i = 0; i < nd; i++)
	{
		colbuf_push(&kind, Int16GetDatum(all[i].k.kind));
		colbuf_push(&key, Int64GetDatum(all[i].k.key));
		colbuf_push(&lvl, Int16GetDatum(all[i].k.lvl));
		colbuf_push(&slot, Int32GetDatum(all[i].k.slot));
		for (j = 0; j < 4; j++)
			colbuf_push(&v[j], Float8GetDatum(all[i].v[j]));
	}
	values[0] = Int32GetDatum(tl);
	values[1] = colbuf_array(&kind);
	values[2] = colbuf_array(&key);
	values[3] = colbuf_array(&lvl);
	values[4] = colbuf_array(&slot);
	for (j = 0; j < 4; j++)
		values[5 + j] = colbuf_array(&v[j]);
	run_plan(&plan,
			 "INSERT INTO racing.feature_agg AS a (tl, kind, key, lvl, slot, n, v1, v2, v3)"
			 " SELECT $1, q.kind, q.key, q.lvl, q.slot, q.n, q.v1, q.v2, q.v3"
			 " FROM unnest($2, $3, $4, $5, $6, $7, $8, $9)"
			 "  q(kind, key, lvl, slot, n, v1, v2, v3)"
			 " ON CONFLICT (tl, kind, key, lvl, slot) DO UPDATE"
			 "  SET n = a.n + excluded.n, v1 = a.v1 + excluded.v1,"
			 "      v2 = a.v2 + excluded.v2, v3 = a.v3 + excluded.v3",
			 9, types, values, false);
}

/*
 * Bring history and vectors of races [r0, r1) (one timeline) up to
 * date: lock the participants, replace the members of the races and
 * change the sums by the difference, mark later vectors of the
 * participants stale when history was not appended at the end, then
 * store the races' vectors.  old[0 .. nold) are the participants that
 * had members in the races before (all_race_ids, this timeline).
 */
static void
process_timeline(FBatch *b, int r0, int r1, int tl, Datum all_race_ids,
				 const OldKey *old, int nold)
{
	static SPIPlanPtr latest_plan = NULL;
	static SPIPlanPtr retract_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static SPIPlanPtr stale_plan = NULL;
	HASHCTL		ctl;
	HTAB	   *keys;
	HTAB	   *deltas;
	MemberBuf	m;
	ColBuf		kk,
				kkey,
				kmin,
				kmax;
	ColBuf		sk,
				skey,
				smin;
	PartKey    *sorted;
	PartKey    *pk;
	HASH_SEQ_STATUS seq;
	int			nkeys;
	int			r;
	uint64		i;
	Datum		values[14];

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = offsetof(PartKey, min_slot);	/* kind, padding, key */
	ctl.entrysize = sizeof(PartKey);
	ctl.hcxt = CurrentMemoryContext;
	keys = hash_create("racing feature participants", 1024, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(AggDeltaKey);
	ctl.entrysize = sizeof(AggDelta);
	ctl.hcxt = CurrentMemoryContext;
	deltas = hash_create("racing feature sums", 4096, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	colbuf_init(&m.kind, INT2OID);
	colbuf_init(&m.key, INT8OID);
	colbuf_init(&m.slot, INT4OID);
	colbuf_init(&m.entry, INT8OID);
	colbuf_init(&m.race, INT8OID);
	colbuf_init(&m.n, FLOAT8OID);
	colbuf_init(&m.v1, FLOAT8OID);
	colbuf_init(&m.v2, FLOAT8OID);
	colbuf_init(&m.v3, FLOAT8OID);
	colbuf_init(&m.off, INT4OID);
	colbuf_init(&m.len, INT4OID);
	colbuf_init(&m.stats, FLOAT4OID);
	/* 1. the new members, from the current rows */
	for (r = r0; r < r1; r++)
	{
		if (b->horse)
			horse_members(b, &b->races[r], &m, keys);
		else
			nascar_members(b, &b->races[r], &m, keys);
	}

	/* 2. the participants of the members they replace */
	for (r = 0; r < nold; r++)
		note_key(keys, old[r].kind, old[r].key, old[r].min_slot);

	/* 3. lock every participant, in key order, and learn its newest slot */
	nkeys = (int) hash_get_num_entries(keys);
	sorted = palloc(sizeof(PartKey) * Max(nkeys, 1));
	hash_seq_init(&seq, keys);
	nkeys = 0;
	while ((pk = hash_seq_search(&seq)) != NULL)
		sorted[nkeys++] = *pk;
	qsort(sorted, nkeys, sizeof(PartKey), partkey_cmp);
	colbuf_init(&kk, INT2OID);
	colbuf_init(&kkey, INT8OID);
	colbuf_init(&kmin, INT4OID);
	colbuf_init(&kmax, INT4OID);
	for (r = 0; r < nkeys; r++)
	{
		colbuf_push(&kk, Int16GetDatum(sorted[r].kind));
		colbuf_push(&kkey, Int64GetDatum(sorted[r].key));
		colbuf_push(&kmin, Int32GetDatum(sorted[r].min_slot));
		colbuf_push(&kmax, Int32GetDatum(sorted[r].max_slot));
	}
	colbuf_init(&sk, INT2OID);
	colbuf_init(&skey, INT8OID);
	colbuf_init(&smin, INT4OID);
	if (nkeys > 0)
	{
		Oid			types[5] = {INT4OID, INT2ARRAYOID, INT8ARRAYOID,
		INT4ARRAYOID, INT4ARRAYOID};

		values[0] = Int32GetDatum(tl);
		values[1] = colbuf_array(&kk);
		values[2] = colbuf_array(&kkey);
		values[3] = colbuf_array(&kmax);
		values[4] = colbuf_array(&kmin);
		run_plan(&latest_plan,
				 "INSERT INTO racing.feature_latest AS l (tl, kind, key, max_slot, prev_max)"
				 " SELECT $1, q.kind, q.key, q.max_slot, NULL"
				 " FROM unnest($2, $3, $4) WITH ORDINALITY q(kind, key, max_slot, i)"
				 " ORDER BY q.i"
				 " ON CONFLICT (tl, kind, key) DO UPDATE"
				 "  SET prev_max = l.max_slot,"
				 "      max_slot = greatest(l.max_slot, excluded.max_slot)"
				 " RETURNING l.kind, l.key, l.prev_max",
				 5, types, values, false);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Datum		prev = SPI_getbinval(tup, desc, 3, &isnull);
			PartKey		probe;

			if (isnull)
				continue;
			memset(&probe, 0, sizeof(probe));
			probe.kind = (int16) col_i8(tup, desc, 1);
			probe.key = col_i8(tup, desc, 2);
			pk = hash_search(keys, &probe, HASH_FIND, NULL);
			if (pk != NULL && DatumGetInt32(prev) > pk->min_slot)
			{
				colbuf_push(&sk, Int16GetDatum(pk->kind));
				colbuf_push(&skey, Int64GetDatum(pk->key));
				colbuf_push(&smin, Int32GetDatum(pk->min_slot));
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}

	/* 4. retract the old members; their sums are taken away below */
	{
		Oid			types[2] = {INT4OID, INT8ARRAYOID};

		values[0] = Int32GetDatum(tl);
		values[1] = all_race_ids;
		run_plan(&retract_plan,
				 "DELETE FROM racing.feature_member m"
				 " WHERE m.tl = $1 AND m.race_id = ANY($2)"
				 " RETURNING m.kind, m.key, m.slot, m.n, m.v1, m.v2, m.v3",
				 2, types, values, false);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			double		v[4];
			int			j;

			for (j = 0; j < 4; j++)
			{
				bool		isnull;

				v[j] = DatumGetFloat8(SPI_getbinval(tup, desc, 4 + j, &isnull));
			}
			delta_add(deltas, (int16) col_i8(tup, desc, 1), col_i8(tup, desc, 2),
					  (int32) col_i8(tup, desc, 3), -1, v[0], v[1], v[2], v[3]);
		}
		SPI_freetuptable(SPI_tuptable);
	}

	/* 5. insert the new members; add their sums */
	if (m.kind.n > 0)
	{
		Oid			types[13] = {INT4OID, INT2ARRAYOID, INT8ARRAYOID, INT4ARRAYOID,
			INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
			FLOAT8ARRAYOID, FLOAT8ARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
		FLOAT4ARRAYOID};

		for (r = 0; r < m.kind.n; r++)
			delta_add(deltas, DatumGetInt16(m.kind.v[r]),
					  DatumGetInt64(m.key.v[r]), DatumGetInt32(m.slot.v[r]), 1,
					  DatumGetFloat8(m.n.v[r]), DatumGetFloat8(m.v1.v[r]),
					  DatumGetFloat8(m.v2.v[r]), DatumGetFloat8(m.v3.v[r]));
		values[0] = Int32GetDatum(tl);
		values[1] = colbuf_array(&m.kind);
		values[2] = colbuf_array(&m.key);
		values[3] = colbuf_array(&m.slot);
		values[4] = colbuf_array(&m.entry);
		values[5] = colbuf_array(&m.race);
		values[6] = colbuf_array(&m.n);
		values[7] = colbuf_array(&m.v1);
		values[8] = colbuf_array(&m.v2);
		values[9] = colbuf_array(&m.v3);
		values[10] = colbuf_array(&m.off);
		values[11] = colbuf_array(&m.len);
		values[12] = colbuf_array(&m.stats);
		run_plan(&insert_plan,
				 "INSERT INTO racing.feature_member"
				 "  (tl, kind, key, slot, entry_id, race_id, n, v1, v2, v3, stats)"
				 " SELECT $1, q.kind, q.key, q.slot, q.entry_id, q.race_id, q.n,"
				 "  q.v1, q.v2, q.v3,"
				 "  CASE WHEN q.len > 0 THEN $13[q.off : q.off + q.len - 1] END"
				 " FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
				 "  q(kind, key, slot, entry_id, race_id, n, v1, v2, v3, off, len)",
				 13, types, values, false);
	}
	apply_deltas(deltas, tl);

	/* 6. history changed before later members: their vectors are stale */
	if (sk.n > 0)
	{
		Oid			types[6] = {TEXTOID, INT4OID, INT2ARRAYOID, INT8ARRAYOID,
		INT4ARRAYOID, INT8ARRAYOID};

		values[0] = CStringGetTextDatum(b->horse ? "horse" : "nascar");
		values[1] = Int32GetDatum(tl);
		values[2] = colbuf_array(&sk);
		values[3] = colbuf_array(&skey);
		values[4] = colbuf_array(&smin);
		values[5] = all_race_ids;
		run_plan(&stale_plan,
				 "UPDATE racing.entry_features f SET stale = true"
				 " WHERE f.sport = $1 AND NOT f.stale AND f.race_id <> ALL($6)"
				 " AND f.entry_id = ANY (ARRAY(SELECT m.entry_id"
				 "  FROM unnest($3, $4, $5) q(kind, key, min_slot)"
				 "  CROSS JOIN LATERAL (SELECT m.entry_id FROM racing.feature_member m"
				 "   WHERE m.tl = $2 AND m.kind = q.kind AND m.key = q.key"
				 "   AND m.slot > q.min_slot OFFSET 0) m))",
				 6, types, values, false);
	}

	/* 7. the vectors of the races themselves */
	if (r1 > r0)
		store_vectors(b, r0, r1);
}

/*
 * Process every race of a batch, one timeline at a time.  all_race_ids
 * (bigint[]) are the races whose old history is replaced: the batch's
 * races and races that lost their last entry, whose timelines are found
 * from their old history rows.  One query finds the participants of the
 * old history of all of them.
 */
static void
process_batch(FBatch *b, Datum all_race_ids)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {INT8ARRAYOID, BOOLOID};
	Datum		values[2];
	int		   *tls;
	int			ntls = 0;
	OldKey	   *old;
	int			nold;
	uint64		i;
	int			t;
	int			r;

	values[0] = all_race_ids;
	values[1] = BoolGetDatum(b->horse);
	run_plan(&plan,
			 "SELECT tl, kind, key, min(slot) FROM racing.feature_member"
			 " WHERE race_id = ANY($1) AND (tl = 1) = $2"
			 " GROUP BY tl, kind, key ORDER BY tl",
			 2, types, values, true);
	nold = (int) SPI_processed;
	old = palloc(sizeof(OldKey) * Max(nold, 1));
	tls = palloc(sizeof(int) * (nold + b->nraces + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		old[i].tl = (int) col_i8(tup, desc, 1);
		old[i].kind = (int16) col_i8(tup, desc, 2);
		old[i].key = col_i8(tup, desc, 3);
		old[i].min_slot = (int32) col_i8(tup, desc, 4);
		if (ntls == 0 || tls[ntls - 1] != old[i].tl)
			tls[ntls++] = old[i].tl;
	}
	SPI_freetuptable(SPI_tuptable);
	for (r = 0; r < b->nraces; r++)
	{
		for (t = 0; t < ntls; t++)
			if (tls[t] == b->races[r].tl)
				break;
		if (t == ntls)
			tls[ntls++] = b->races[r].tl;
	}

	for (t = 0; t < ntls; t++)
	{
		int			r0 = 0,
					r1;
		int			o0 = 0,
					o1;

		while (r0 < b->nraces && b->races[r0].tl != tls[t])
			r0++;
		r1 = r0;
		while (r1 < b->nraces && b->races[r1].tl == tls[t])
			r1++;
		while (o0 < nold && old[o0].tl != tls[t])
			o0++;
		o1 = o0;
		while (o1 < nold && old[o1].tl == tls[t])
			o1++;
		process_timeline(b, r0, r1, tls[t], all_race_ids, old + o0, o1 - o0);
	}
}

/* Store the vectors of every race of a batch (no history change). */
static int64
store_batch(FBatch *b)
{
	int			r0 = 0;
	int64		n = 0;

	while (r0 < b->nraces)
	{
		int			r1 = r0 + 1;

		while (r1 < b->nraces && b->races[r1].tl == b->races[r0].tl)
			r1++;
		n += store_vectors(b, r0, r1);
		r0 = r1;
	}
	return n;
}

/* ----------------------------------------------------------------
 * Triggers
 * ----------------------------------------------------------------
 */

/* Number of rows in a transition table, 0 when there is none. */
static int64
transition_rows(Tuplestorestate *ts)
{
	return ts == NULL ? 0 : tuplestore_tuple_count(ts);
}

/* Run a query that returns one bigint[] (or NULL) and return it. */
static Datum
query_id_array(const char *sql, bool *isnull)
{
	MemoryContext caller = CurrentMemoryContext;
	int			ret = SPI_execute(sql, false, 0);
	Datum		d;

	MemoryContextSwitchTo(caller);

	if ((ret != SPI_OK_SELECT && ret != SPI_OK_DELETE) || SPI_processed != 1)
		elog(ERROR, "feature trigger query failed: %s", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (!*isnull)
		d = PointerGetDatum(DatumGetArrayTypePCopy(d));
	SPI_freetuptable(SPI_tuptable);
	return d;
}

/*
 * Process the given races (a bigint[]) of a sport: the shared tail of
 * every trigger.  Races that lost their last entry are forgotten.
 */
static void
process_race_ids(bool horse, Datum race_ids)
{
	FBatch	   *b;

	b = fetch_batch(horse, race_ids);
	process_batch(b, race_ids);
}

/*
 * Statement-level AFTER INSERT, UPDATE or DELETE trigger on racing.runner
 * and racing.nascar_entry, with transition tables feat_new and feat_old.
 * Processes every race that a changed row belongs to (before or after
 * the change); an update that changes no column the features read is
 * ignored.
 */
Datum
features_entry_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		horse;
	const char *sql;
	Datum		race_ids;
	bool		isnull;
	MemoryContext ctx,
				old;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("features_entry_trigger must be an AFTER ... FOR EACH STATEMENT trigger")));
	if (transition_rows(trigdata->tg_newtable) == 0 &&
		transition_rows(trigdata->tg_oldtable) == 0)
		return PointerGetDatum(NULL);

	horse = strcmp(RelationGetRelationName(trigdata->tg_relation), "runner") == 0;
	ctx = AllocSetContextCreate(CurrentMemoryContext, "racing features",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(ctx);
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		sql = "SELECT array_agg(DISTINCT race_id) FROM feat_new";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		sql = horse ?
			"WITH d AS (DELETE FROM racing.entry_features f USING feat_old o"
			" WHERE f.sport = 'horse' AND f.entry_id = o.runner_id)"
			" SELECT array_agg(DISTINCT race_id) FROM feat_old" :
			"WITH d AS (DELETE FROM racing.entry_features f USING feat_old o"
			" WHERE f.sport = 'nascar' AND f.entry_id = o.entry_id)"
			" SELECT array_agg(DISTINCT race_id) FROM feat_old";
	else if (horse)
		sql = "SELECT array_agg(DISTINCT r) FROM feat_new n JOIN feat_old o"
			" USING (runner_id), LATERAL (VALUES (n.race_id), (o.race_id)) v(r)"
			" WHERE (n.race_id, n.horse_id, n.jockey_id, n.trainer_id, n.draw,"
			"  n.age, n.sex, n.lbs, n.headgear, n.official_rating, n.non_runner,"
			"  n.has_result, n.position, n.finished, n.ovr_btn, n.rpr)"
			" IS DISTINCT FROM (o.race_id, o.horse_id, o.jockey_id, o.trainer_id,"
			"  o.draw, o.age, o.sex, o.lbs, o.headgear, o.official_rating,"
			"  o.non_runner, o.has_result, o.position, o.finished, o.ovr_btn, o.rpr)";
	else
		sql = "SELECT array_agg(DISTINCT r) FROM feat_new n JOIN feat_old o"
			" USING (entry_id), LATERAL (VALUES (n.race_id), (o.race_id)) v(r)"
			" WHERE (n.race_id, n.driver_id, n.team_id, n.make, n.start_pos,"
			"  n.scratched, n.has_result, n.finish, n.laps, n.laps_led,"
			"  n.status_category, n.stage1, n.stage2, n.rating, n.points)"
			" IS DISTINCT FROM (o.race_id, o.driver_id, o.team_id, o.make,"
			"  o.start_pos, o.scratched, o.has_result, o.finish, o.laps,"
			"  o.laps_led, o.status_category, o.stage1, o.stage2, o.rating,"
			"  o.points)";

	race_ids = query_id_array(sql, &isnull);
	if (!isnull)
		process_race_ids(horse, race_ids);

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return PointerGetDatum(NULL);
}

/*
 * Statement-level AFTER UPDATE trigger on racing.race and
 * racing.nascar_race: a change of a pre-race column that the features
 * read (date, course, distance, going, the series calendar, ...) moves
 * or changes the history of every entry of the race.
 */
Datum
features_race_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		horse;
	Datum		race_ids;
	bool		isnull;
	MemoryContext ctx,
				old;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("features_race_trigger must be an AFTER UPDATE ... FOR EACH STATEMENT trigger")));
	if (transition_rows(trigdata->tg_newtable) == 0)
		return PointerGetDatum(NULL);

	horse = strcmp(RelationGetRelationName(trigdata->tg_relation), "race") == 0;
	ctx = AllocSetContextCreate(CurrentMemoryContext, "racing features",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(ctx);
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");

	race_ids = query_id_array(horse ?
							  "SELECT array_agg(n.race_id) FROM feat_new n JOIN feat_old o USING (race_id)"
							  " WHERE (n.race_date, n.course_id, n.surface, n.race_type, n.race_class,"
							  "  n.pattern, n.race_name, n.dist_f, n.going_group)"
							  " IS DISTINCT FROM (o.race_date, o.course_id, o.surface, o.race_type,"
							  "  o.race_class, o.pattern, o.race_name, o.dist_f, o.going_group)" :
							  "SELECT array_agg(n.race_id) FROM feat_new n JOIN feat_old o USING (race_id)"
							  " WHERE (n.series, n.season, n.race_num, n.track_id, n.track_type)"
							  " IS DISTINCT FROM (o.series, o.season, o.race_num, o.track_id,"
							  "  o.track_type)",
							  &isnull);
	if (!isnull)
		process_race_ids(horse, race_ids);

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(ctx);
	return PointerGetDatum(NULL);
}

/* ----------------------------------------------------------------
 * SQL-callable maintenance and reads
 * ----------------------------------------------------------------
 */

/* Parse a sport argument: true for horse, false for NASCAR. */
static bool
sport_is_horse(text *sport)
{
	char	   *s = text_to_cstring(sport);

	if (strcmp(s, "horse") == 0)
		return true;
	if (strcmp(s, "nascar") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown sport \"%s\"", s),
			 errhint("Use horse or nascar.")));
	return false;
}

/*
 * racing.recompute_stale(max_races int DEFAULT NULL) returns bigint
 *
 * Recompute the stale vectors, oldest races first, at most max_races
 * races (NULL: all).  Returns the number of vectors written (every entry
 * of a race with a stale vector is written).
 */
Datum
features_recompute_stale(PG_FUNCTION_ARGS)
{
	int64		limit = PG_ARGISNULL(0) ? -1 : PG_GETARG_INT32(0);
	int64		done_races = 0;
	int64		written = 0;
	int			pass;

	if (limit == 0)
		PG_RETURN_INT64(0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	for (pass = 0; pass < 2; pass++)
	{
		bool		horse = pass == 0;

		for (;;)
		{
			static SPIPlanPtr plan = NULL;
			Oid			types[2] = {TEXTOID, INT4OID};
			Datum		values[2];
			int			chunk = FEAT_CHUNK_RACES;
			Datum		ids;
			bool		isnull;
			FBatch	   *b;
			int			got;
			MemoryContext ctx,
						old;

			if (limit >= 0)
				chunk = (int) Min(chunk, limit - done_races);
			if (chunk <= 0)
				break;
			values[0] = CStringGetTextDatum(horse ? "horse" : "nascar");
			values[1] = Int32GetDatum(chunk);
			run_plan(&plan,
					 "SELECT array_agg(race_id) FROM (SELECT race_id"
					 "  FROM racing.entry_features WHERE stale AND sport = $1"
					 "  GROUP BY race_id ORDER BY min(tl), min(slot), race_id"
					 "  LIMIT $2) s",
					 2, types, values, true);
			ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
								&isnull);
			if (isnull)
			{
				SPI_freetuptable(SPI_tuptable);
				break;
			}
			ctx = AllocSetContextCreate(CurrentMemoryContext, "racing recompute",
										ALLOCSET_DEFAULT_SIZES);
			old = MemoryContextSwitchTo(ctx);
			ids = PointerGetDatum(DatumGetArrayTypePCopy(ids));
			SPI_freetuptable(SPI_tuptable);
			b = fetch_batch(horse, ids);
			got = b->nraces;
			done_races += got;
			written += store_batch(b);
			MemoryContextSwitchTo(old);
			MemoryContextDelete(ctx);
			CHECK_FOR_INTERRUPTS();
			if (got == 0)
				break;
		}
	}
	SPI_finish();
	PG_RETURN_INT64(written);
}

/*
 * racing.rebuild_features(sport text) returns bigint
 *
 * Throw away the history and vectors of a sport and build them again
 * from the entry tables, oldest races first (so nothing is stale on the
 * way).  For loads made with the feature triggers disabled.  Returns the
 * number of vectors written.
 */
Datum
features_rebuild(PG_FUNCTION_ARGS)
{
	bool		horse = sport_is_horse(PG_GETARG_TEXT_PP(0));
	int64		written = 0;
	int			ret;
	uint64		nraces;
	uint64		i;
	SPITupleTable *races;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(horse ?
					  "DELETE FROM racing.feature_member WHERE tl = 1;"
					  "DELETE FROM racing.feature_agg WHERE tl = 1;"
					  "DELETE FROM racing.feature_latest WHERE tl = 1;"
					  "DELETE FROM racing.entry_features WHERE sport = 'horse'" :
					  "DELETE FROM racing.feature_member WHERE tl <> 1;"
					  "DELETE FROM racing.feature_agg WHERE tl <> 1;"
					  "DELETE FROM racing.feature_latest WHERE tl <> 1;"
					  "DELETE FROM racing.entry_features WHERE sport = 'nascar'",
					  false, 0);
	if (ret < 0)
		elog(ERROR, "feature rebuild could not clear the history");
	ret = SPI_execute(horse ?
					  "SELECT race_id FROM racing.race r"
					  " WHERE EXISTS (SELECT 1 FROM racing.runner e WHERE e.race_id = r.race_id)"
					  " ORDER BY race_date, race_id" :
					  "SELECT race_id FROM racing.nascar_race r"
					  " WHERE EXISTS (SELECT 1 FROM racing.nascar_entry e WHERE e.race_id = r.race_id)"
					  " ORDER BY series, season, race_num",
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "feature rebuild could not list the races");
	races = SPI_tuptable;
	nraces = SPI_processed;

	for (i = 0; i < nraces; i += FEAT_CHUNK_RACES)
	{
		MemoryContext ctx = AllocSetContextCreate(CurrentMemoryContext,
												  "racing rebuild",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(ctx);
		ColBuf		ids;
		uint64		j;
		FBatch	   *b;
		Datum		idarr;

		colbuf_init(&ids, INT8OID);
		for (j = i; j < Min(nraces, i + FEAT_CHUNK_RACES); j++)
		{
			bool		isnull;

			colbuf_push(&ids, SPI_getbinval(races->vals[j], races->tupdesc, 1,
											&isnull));
		}
		idarr = colbuf_array(&ids);
		b = fetch_batch(horse, idarr);
		process_batch(b, idarr);
		written += b->nrows;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(ctx);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	PG_RETURN_INT64(written);
}

/*
 * racing._feature_vectors_now(sport text, race_id bigint)
 *		returns table (entry_id bigint, vec real[])
 *
 * The vectors of a race computed from the current history, without
 * storing them: what readers use for a stale or missing vector.
 */
Datum
features_vectors_now(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		horse = sport_is_horse(PG_GETARG_TEXT_PP(0));
	int64		race_id = PG_GETARG_INT64(1);
	int			nf = horse ? HORSE_NFEATURES : NASCAR_NFEATURES;
	Datum		ids;
	FBatch	   *b;
	float4	   *vecs;
	int			k;
	MemoryContext per_query;

	InitMaterializedSRF(fcinfo, 0);
	per_query = rsinfo->econtext->ecxt_per_query_memory;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	{
		Datum		one = Int64GetDatum(race_id);

		ids = PointerGetDatum(construct_array(&one, 1, INT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	b = fetch_batch(horse, ids);
	if (b->nraces > 0)
	{
		vecs = palloc(sizeof(float4) * nf * b->nrows);
		compute_vectors(b, 0, b->nraces, vecs);
		for (k = 0; k < b->nrows; k++)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};
			Datum	   *elems;
			int			j;
			MemoryContext old = MemoryContextSwitchTo(per_query);

			elems = palloc(sizeof(Datum) * nf);
			for (j = 0; j < nf; j++)
				elems[j] = Float4GetDatum(vecs[k * nf + j]);
			values[0] = Int64GetDatum(b->rows[k].entry_id);
			values[1] = PointerGetDatum(construct_array(elems, nf, FLOAT4OID, 4,
														true, TYPALIGN_INT));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * racing._feature_names_builtin(sport text) returns text[]
 *
 * The feature names in the order the C code writes them; the regression
 * tests compare them with the catalog.
 */
Datum
features_builtin_names(PG_FUNCTION_ARGS)
{
	bool		horse = sport_is_horse(PG_GETARG_TEXT_PP(0));
	int			nf = horse ? HORSE_NFEATURES : NASCAR_NFEATURES;
	const char *const *names = horse ? horse_feature_names : nascar_feature_names;
	Datum	   *elems = palloc(sizeof(Datum) * nf);
	int			i;

	for (i = 0; i < nf; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, nf, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
