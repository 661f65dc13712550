/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The tiered read cache of the racing extension: a hot tier in shared
 *	  memory in front of the warm materialized views and the base tables,
 *	  the triggers and transaction callbacks that keep it coherent, and the
 *	  SQL functions racing.feature_vector and racing.race_card that read
 *	  through it.
 *
 * Hot tier layout
 *	  One shared hash table maps a key (database, kind, sport, id) to an
 *	  entry; the entry's value lives in a chain of fixed-size blocks taken
 *	  from a free list.  The number of blocks and the size of the hash
 *	  table both come from racing.hot_cache_size, so the cap is enforced by
 *	  evicting entries before an insert until enough blocks and a hash slot
 *	  are free (a shared hash table's size is not a hard limit by itself).
 *	  Values are a flat float4[] for a feature vector and a sequence of
 *	  minimal tuples for a race card.
 *
 * Eviction
 *	  Every entry sits on one of three LRU lists by priority: upcoming race
 *	  cards, vectors of active predictions (entries without a result), and
 *	  history.  A victim is the least recently used entry of the lowest
 *	  non-empty priority.  An entry older than racing.hot_ttl is a miss and
 *	  is removed when seen; the maintenance worker also sweeps them.
 *
 * Coherence
 *	  Shared memory is not transactional, so it is never written with data
 *	  a transaction has not committed.  Row triggers on the tables a vector
 *	  or a card is built from collect the keys a transaction touches in
 *	  backend-local memory; at XACT_EVENT_PRE_COMMIT and again at
 *	  XACT_EVENT_COMMIT (when the commit is visible) those keys are removed
 *	  from the hot tier and their invalidation epochs are bumped.  A reader
 *	  records the epochs of its key before it takes the snapshot it reads
 *	  the tables with, and inserts only if they are unchanged under the
 *	  lock, so a value read before a commit never lands after it.  An
 *	  aborted transaction invalidates nothing: the tables did not change.
 *	  A backend bypasses the hot tier for the keys its own open transaction
 *	  has touched, and in REPEATABLE READ or SERIALIZABLE transactions,
 *	  whose snapshot may be older than the cached values.
 *
 *	  The warm tier is trusted only while racing.tier_change holds no row
 *	  for the view, in the same snapshot as the read: every changing
 *	  transaction adds such rows, and a refresh deletes the rows it covers
 *	  (src/sql/40_cache.sql).
 *
 * Locking
 *	  One LWLock guards the hash table, the block lists, the LRU lists and
 *	  the hot counters; it is always taken exclusively because a hit moves
 *	  the entry in its LRU list.  The epochs and the warm and cold counters
 *	  are atomics, bumped under the lock by invalidations so that an insert
 *	  holding the lock sees a consistent value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/ilist.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "racing.h"

/* size of one value block; a horse feature vector fits in one */
#define HOT_BLOCK_SIZE		256
/* number of per-key invalidation epochs (keys hash onto them) */
#define HOT_EPOCH_SLOTS		4096
/* a transaction touching more keys invalidates its whole database */
#define HOT_PENDING_MAX		20000
/* no single value may take more than this share of the blocks */
#define HOT_MAX_VALUE_SHARE 4

typedef enum HotKind
{
	HOT_VECTOR = 1,
	HOT_CARD = 2
} HotKind;

typedef enum HotPriority
{
	HOT_PRIO_HISTORY = 0,
	HOT_PRIO_ACTIVE = 1,
	HOT_PRIO_UPCOMING = 2,
	HOT_NPRIO = 3
} HotPriority;

typedef enum CacheSport
{
	SPORT_HORSE = 0,
	SPORT_NASCAR = 1
} CacheSport;

static const char *const sport_names[] = {"horse", "nascar"};

typedef struct HotKey
{
	Oid			dbid;
	int16		kind;
	int16		sport;
	int64		id;
} HotKey;

typedef struct HotEntry
{
	HotKey		key;			/* hash key, must be first */
	dlist_node	lru;			/* position in lru[prio] */
	TimestampTz inserted_at;
	int32		first_block;
	int32		nblocks;
	int32		len;
	int16		prio;
} HotEntry;

typedef struct HotShared
{
	LWLock	   *lock;
	int32		nblocks;
	int32		max_entries;
	int32		free_head;
	int32		free_blocks;
	int64		entries;
	uint64		hits;
	uint64		misses;
	uint64		evictions;
	uint64		expirations;
	uint64		inserts;
	TimestampTz reset_at;
	dlist_head	lru[HOT_NPRIO];
	pg_atomic_uint64 warm_hits;
	pg_atomic_uint64 warm_misses;
	pg_atomic_uint64 warm_outdated;
	pg_atomic_uint64 cold_hits;
	pg_atomic_uint64 cold_misses;
	pg_atomic_uint64 global_epoch;
	pg_atomic_uint64 epochs[HOT_EPOCH_SLOTS];
} HotShared;

/* the epochs a reader saw before reading the tables */
typedef struct HotTicket
{
	bool		valid;
	int			slot;
	uint64		global_epoch;
	uint64		slot_epoch;
} HotTicket;

/* tables whose changes the triggers track; bit positions in logged_mask */
static const char *const tracked_tables[] = {
	"entry_features", "runner", "nascar_entry", "race", "nascar_race",
	"horse", "driver", "feature_set", "jockey", "trainer", "course",
	"team", "track"
};
#define N_TRACKED_TABLES lengthof(tracked_tables)

int			racing_hot_cache_size = 100 * 1024;
int			racing_hot_ttl = 15 * 60;
bool		racing_hot_cache_enabled = true;
bool		racing_warm_cache_enabled = true;

static HotShared *hot = NULL;
static HTAB *hot_index = NULL;
static int32 *hot_next = NULL;
static char *hot_blocks = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* backend-local state of the current transaction */
static MemoryContext pending_cxt = NULL;
static HTAB *pending_keys = NULL;
static bool pending_flush_all = false;
static uint32 logged_mask = 0;

static bool notice_given = false;

PG_FUNCTION_INFO_V1(cache_feature_vector);
PG_FUNCTION_INFO_V1(cache_race_card);
PG_FUNCTION_INFO_V1(cache_prefetch_card);
PG_FUNCTION_INFO_V1(cache_hot_expire);
PG_FUNCTION_INFO_V1(cache_hot_flush);
PG_FUNCTION_INFO_V1(cache_counters);
PG_FUNCTION_INFO_V1(cache_counters_reset);
PG_FUNCTION_INFO_V1(cache_count_tier);
PG_FUNCTION_INFO_V1(cache_hot_available);
PG_FUNCTION_INFO_V1(cache_row_trigger);
PG_FUNCTION_INFO_V1(cache_tier_notes_reset);

/* ----------------------------------------------------------------
 * Shared memory
 * ----------------------------------------------------------------
 */

/*
 * Split racing.hot_cache_size between value blocks and the hash table:
 * every entry takes at least one block, so there are as many hash slots
 * as blocks.
 */
static void
hot_sizes(int32 *nblocks, Size *index_size, Size *blocks_size)
{
	Size		budget = (Size) racing_hot_cache_size * 1024;
	Size		per_slot = hash_estimate_size(1024, sizeof(HotEntry)) / 1024 + 1;
	Size		n = budget / (HOT_BLOCK_SIZE + sizeof(int32) + per_slot);

	if (n > INT_MAX / 2)
		n = INT_MAX / 2;
	if (n < 16)
		n = 16;
	*nblocks = (int32) n;
	*index_size = hash_estimate_size(n, sizeof(HotEntry));
	*blocks_size = MAXALIGN(n * sizeof(int32)) + n * HOT_BLOCK_SIZE;
}

/*
 * shmem_request_hook: reserve the hot tier and its lock.
 */
static void
cache_shmem_request(void)
{
	int32		nblocks;
	Size		index_size;
	Size		blocks_size;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	hot_sizes(&nblocks, &index_size, &blocks_size);
	RequestAddinShmemSpace(MAXALIGN(sizeof(HotShared)) + index_size + blocks_size);
	RequestNamedLWLockTranche("racing hot cache", 1);
}

/*
 * shmem_startup_hook: create or attach to the hot tier.  Runs in the
 * postmaster (and again in each backend under EXEC_BACKEND).
 */
static void
cache_shmem_startup(void)
{
	bool		found;
	bool		found_blocks;
	int32		nblocks;
	Size		index_size;
	Size		blocks_size;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	hot_sizes(&nblocks, &index_size, &blocks_size);

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	hot = ShmemInitStruct("racing hot cache", sizeof(HotShared), &found);
	hot_next = ShmemInitStruct("racing hot cache blocks", blocks_size,
							   &found_blocks);
	hot_blocks = (char *) hot_next + MAXALIGN(nblocks * sizeof(int32));

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(HotKey);
	info.entrysize = sizeof(HotEntry);
	hot_index = ShmemInitHash("racing hot cache index", nblocks, nblocks,
							  &info, HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);

	if (!found)
	{
		int			i;

		hot->lock = &(GetNamedLWLockTranche("racing hot cache"))->lock;
		hot->nblocks = nblocks;
		hot->max_entries = nblocks;
		for (i = 0; i < nblocks; i++)
			hot_next[i] = (i + 1 < nblocks) ? i + 1 : -1;
		hot->free_head = 0;
		hot->free_blocks = nblocks;
		hot->entries = 0;
		hot->hits = hot->misses = hot->evictions = 0;
		hot->expirations = hot->inserts = 0;
		hot->reset_at = GetCurrentTimestamp();
		for (i = 0; i < HOT_NPRIO; i++)
			dlist_init(&hot->lru[i]);
		pg_atomic_init_u64(&hot->warm_hits, 0);
		pg_atomic_init_u64(&hot->warm_misses, 0);
		pg_atomic_init_u64(&hot->warm_outdated, 0);
		pg_atomic_init_u64(&hot->cold_hits, 0);
		pg_atomic_init_u64(&hot->cold_misses, 0);
		pg_atomic_init_u64(&hot->global_epoch, 0);
		for (i = 0; i < HOT_EPOCH_SLOTS; i++)
			pg_atomic_init_u64(&hot->epochs[i], 0);
	}

	LWLockRelease(AddinShmemInitLock);
}

/*
 * True when this backend can use the hot tier.
 */
bool
racing_hot_available(void)
{
	return racing_preloaded && hot != NULL;
}

/* ----------------------------------------------------------------
 * Hot tier primitives; the caller holds hot->lock exclusively
 * ----------------------------------------------------------------
 */

/* epoch slot of a key */
static int
hot_slot(const HotKey *key)
{
	return (int) (hash_bytes((const unsigned char *) key, sizeof(HotKey)) %
				  HOT_EPOCH_SLOTS);
}

/* a key with its padding zeroed, as the hash table compares bytes */
static HotKey
hot_key(int16 kind, int16 sport, int64 id)
{
	HotKey		key;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.kind = kind;
	key.sport = sport;
	key.id = id;
	return key;
}

/* remove an entry and return its blocks to the free list */
static void
hot_remove_entry(HotEntry *e)
{
	int32		b = e->first_block;
	HotKey		key = e->key;

	while (b >= 0)
	{
		int32		next = hot_next[b];

		hot_next[b] = hot->free_head;
		hot->free_head = b;
		hot->free_blocks++;
		b = next;
	}
	dlist_delete(&e->lru);
	hash_search(hot_index, &key, HASH_REMOVE, NULL);
	hot->entries--;
}

/* least recently used entry of the lowest priority, or NULL */
static HotEntry *
hot_victim(void)
{
	int			p;

	for (p = 0; p < HOT_NPRIO; p++)
	{
		if (!dlist_is_empty(&hot->lru[p]))
			return dlist_tail_element(HotEntry, lru, &hot->lru[p]);
	}
	return NULL;
}

/* true when an entry is older than racing.hot_ttl */
static bool
hot_expired(HotEntry *e, TimestampTz now)
{
	return racing_hot_ttl > 0 &&
		now - e->inserted_at > (int64) racing_hot_ttl * USECS_PER_SEC;
}

/* ----------------------------------------------------------------
 * Hot tier operations
 * ----------------------------------------------------------------
 */

/*
 * Record the epochs of a key before the caller reads the tables.
 */
static HotTicket
hot_ticket(const HotKey *key)
{
	HotTicket	t;

	t.valid = true;
	t.slot = hot_slot(key);
	t.global_epoch = pg_atomic_read_u64(&hot->global_epoch);
	t.slot_epoch = pg_atomic_read_u64(&hot->epochs[t.slot]);
	pg_memory_barrier();
	return t;
}

/*
 * Look a key up; on a hit return a palloc'd copy of its value and set
 * *len.  An expired entry is removed and counts as a miss.
 */
static char *
hot_lookup(const HotKey *key, int32 *len)
{
	HotEntry   *e;
	char	   *value = NULL;

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);
	e = hash_search(hot_index, key, HASH_FIND, NULL);
	if (e != NULL && hot_expired(e, GetCurrentTimestamp()))
	{
		hot_remove_entry(e);
		hot->expirations++;
		e = NULL;
	}
	if (e == NULL)
	{
		hot->misses++;
		LWLockRelease(hot->lock);
		return NULL;
	}

	value = palloc(e->len > 0 ? e->len : 1);
	{
		int32		b = e->first_block;
		int32		off = 0;

		while (b >= 0 && off < e->len)
		{
			int32		n = Min(HOT_BLOCK_SIZE, e->len - off);

			memcpy(value + off, hot_blocks + (Size) b * HOT_BLOCK_SIZE, n);
			off += n;
			b = hot_next[b];
		}
	}
	*len = e->len;
	dlist_move_head(&hot->lru[e->prio], &e->lru);
	hot->hits++;
	LWLockRelease(hot->lock);
	return value;
}

/*
 * Insert (or replace) a value, evicting first until it fits.  Nothing is
 * inserted when the key was invalidated since the ticket was taken, or
 * when the value is too large for the tier.  Returns true when stored.
 */
static bool
hot_insert(const HotKey *key, const char *value, int32 len, int prio,
		   const HotTicket *ticket)
{
	int32		need = Max(1, (len + HOT_BLOCK_SIZE - 1) / HOT_BLOCK_SIZE);
	HotEntry   *e;
	bool		found;
	int32		prev = -1;
	int32		off = 0;
	int32		i;

	if (need > hot->nblocks / HOT_MAX_VALUE_SHARE)
		return false;

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);

	if (!ticket->valid ||
		pg_atomic_read_u64(&hot->global_epoch) != ticket->global_epoch ||
		pg_atomic_read_u64(&hot->epochs[ticket->slot]) != ticket->slot_epoch)
	{
		LWLockRelease(hot->lock);
		return false;
	}

	e = hash_search(hot_index, key, HASH_FIND, NULL);
	if (e != NULL)
		hot_remove_entry(e);

	/* evict before insert: the hash table's size is not a hard cap */
	while (hot->free_blocks < need || hot->entries >= hot->max_entries)
	{
		HotEntry   *victim = hot_victim();

		if (victim == NULL)
			break;
		hot_remove_entry(victim);
		hot->evictions++;
	}
	if (hot->free_blocks < need || hot->entries >= hot->max_entries)
	{
		LWLockRelease(hot->lock);
		return false;
	}

	e = hash_search(hot_index, key, HASH_ENTER_NULL, &found);
	if (e == NULL)
	{
		LWLockRelease(hot->lock);
		return false;
	}

	e->first_block = -1;
	for (i = 0; i < need; i++)
	{
		int32		b = hot->free_head;
		int32		n = Min(HOT_BLOCK_SIZE, len - off);

		hot->free_head = hot_next[b];
		hot->free_blocks--;
		hot_next[b] = -1;
		if (prev < 0)
			e->first_block = b;
		else
			hot_next[prev] = b;
		if (n > 0)
			memcpy(hot_blocks + (Size) b * HOT_BLOCK_SIZE, value + off, n);
		off += Max(n, 0);
		prev = b;
	}
	e->nblocks = need;
	e->len = len;
	e->prio = (int16) prio;
	e->inserted_at = GetCurrentTimestamp();
	dlist_push_head(&hot->lru[prio], &e->lru);
	hot->entries++;
	hot->inserts++;

	LWLockRelease(hot->lock);
	return true;
}

/*
 * Remove every entry of this database (and bump the global epoch so that
 * readers in flight do not insert what they read before).
 */
static int64
hot_flush_database(void)
{
	HASH_SEQ_STATUS status;
	HotEntry   *e;
	int64		removed = 0;

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);
	pg_atomic_fetch_add_u64(&hot->global_epoch, 1);
	hash_seq_init(&status, hot_index);
	while ((e = hash_seq_search(&status)) != NULL)
	{
		if (e->key.dbid == MyDatabaseId)
		{
			hot_remove_entry(e);
			removed++;
		}
	}
	LWLockRelease(hot->lock);
	return removed;
}

/* ----------------------------------------------------------------
 * Transaction-local tracking of touched keys
 * ----------------------------------------------------------------
 */

/* forget what the ended transaction touched */
static void
pending_reset(void)
{
	if (pending_cxt != NULL)
		MemoryContextReset(pending_cxt);
	pending_keys = NULL;
	pending_flush_all = false;
	logged_mask = 0;
}

/* remember that the current transaction changed the source of a key */
static void
pending_add(int16 kind, int16 sport, int64 id)
{
	HotKey		key = hot_key(kind, sport, id);

	if (pending_flush_all)
		return;
	if (pending_keys == NULL)
	{
		HASHCTL		info;

		if (pending_cxt == NULL)
			pending_cxt = AllocSetContextCreate(TopMemoryContext,
												"racing cache pending keys",
												ALLOCSET_DEFAULT_SIZES);
		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(HotKey);
		info.entrysize = sizeof(HotKey);
		info.hcxt = pending_cxt;
		pending_keys = hash_create("racing cache pending keys", 256, &info,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (hash_get_num_entries(pending_keys) >= HOT_PENDING_MAX)
	{
		pending_flush_all = true;
		return;
	}
	hash_search(pending_keys, &key, HASH_ENTER, NULL);
}

/* true when the current transaction touched the source of a key */
static bool
pending_has(const HotKey *key)
{
	if (pending_flush_all)
		return true;
	if (pending_keys == NULL)
		return false;
	return hash_search(pending_keys, key, HASH_FIND, NULL) != NULL;
}

/*
 * Invalidate the keys the committing transaction touched: bump their
 * epochs and remove their entries.
 */
static void
pending_invalidate(void)
{
	HASH_SEQ_STATUS status;
	HotKey	   *key;

	if (!racing_hot_available())
		return;
	if (pending_flush_all)
	{
		hot_flush_database();
		return;
	}
	if (pending_keys == NULL)
		return;

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);
	hash_seq_init(&status, pending_keys);
	while ((key = hash_seq_search(&status)) != NULL)
	{
		HotEntry   *e;

		pg_atomic_fetch_add_u64(&hot->epochs[hot_slot(key)], 1);
		e = hash_search(hot_index, key, HASH_FIND, NULL);
		if (e != NULL)
			hot_remove_entry(e);
	}
	LWLockRelease(hot->lock);
}

/*
 * Transaction callback: invalidate before the commit becomes visible and
 * again once it is, so that no reader keeps or inserts a value from
 * before the commit; forget everything at the end.
 */
static void
cache_xact_callback(XactEvent event, void *arg)
{
	bool		touched = pending_flush_all || pending_keys != NULL;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (touched)
				pending_invalidate();
			break;
		case XACT_EVENT_COMMIT:
			if (touched)
				pending_invalidate();
			pending_reset();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (touched && racing_hot_available())
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that changed data held in the racing hot cache"),
						 errdetail("The hot cache is invalidated when the changing transaction commits, which a prepared transaction does in another session."),
						 errhint("Commit the change directly instead of with two-phase commit.")));
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_ABORT:
			pending_reset();
			break;
		default:
			break;
	}
}

/*
 * Subtransaction callback: a rolled-back subtransaction also rolled back
 * its racing.tier_change rows, so the next change must add them again.
 * Its keys stay pending: invalidating too much is harmless.
 */
static void
cache_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		logged_mask = 0;
}

/* ----------------------------------------------------------------
 * Triggers
 * ----------------------------------------------------------------
 */

/* int8 column of a trigger tuple by name; false when NULL or absent */
static bool
trigger_int8(HeapTuple tuple, TupleDesc desc, const char *name, int64 *out)
{
	int			attno = SPI_fnumber(desc, name);
	bool		isnull;
	Datum		d;

	if (attno <= 0)
		return false;
	d = SPI_getbinval(tuple, desc, attno, &isnull);
	if (isnull)
		return false;
	switch (TupleDescAttr(desc, attno - 1)->atttypid)
	{
		case INT8OID:
			*out = DatumGetInt64(d);
			break;
		case INT4OID:
			*out = DatumGetInt32(d);
			break;
		default:
			return false;
	}
	return true;
}

/* sport of an entry_features tuple, -1 when unknown */
static int
trigger_sport(HeapTuple tuple, TupleDesc desc)
{
	int			attno = SPI_fnumber(desc, "sport");
	char	   *s;

	if (attno <= 0)
		return -1;
	s = SPI_getvalue(tuple, desc, attno);
	if (s == NULL)
		return -1;
	if (strcmp(s, "horse") == 0)
		return SPORT_HORSE;
	if (strcmp(s, "nascar") == 0)
		return SPORT_NASCAR;
	return -1;
}

/* collect the keys one version of a changed row affects */
static void
trigger_collect(int table, HeapTuple tuple, TupleDesc desc)
{
	int64		entry_id;
	int64		race_id;
	int			sport;

	switch (table)
	{
		case 0:					/* entry_features */
			sport = trigger_sport(tuple, desc);
			if (sport < 0)
			{
				pending_flush_all = true;
				return;
			}
			if (trigger_int8(tuple, desc, "entry_id", &entry_id))
				pending_add(HOT_VECTOR, sport, entry_id);
			if (trigger_int8(tuple, desc, "race_id", &race_id))
				pending_add(HOT_CARD, sport, race_id);
			break;
		case 1:					/* runner */
		case 2:					/* nascar_entry */
			sport = (table == 1) ? SPORT_HORSE : SPORT_NASCAR;
			if (trigger_int8(tuple, desc, table == 1 ? "runner_id" : "entry_id",
							 &entry_id))
				pending_add(HOT_VECTOR, sport, entry_id);
			if (trigger_int8(tuple, desc, "race_id", &race_id))
				pending_add(HOT_CARD, sport, race_id);
			break;
		case 3:					/* race */
		case 4:					/* nascar_race */
			sport = (table == 3) ? SPORT_HORSE : SPORT_NASCAR;
			if (trigger_int8(tuple, desc, "race_id", &race_id))
				pending_add(HOT_CARD, sport, race_id);
			break;
		default:
			break;
	}
}

/* true when a row's name column differs between two versions */
static bool
trigger_name_changed(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc)
{
	int			attno = SPI_fnumber(desc, "name");
	char	   *o;
	char	   *n;

	if (attno <= 0)
		return true;
	o = SPI_getvalue(oldtup, desc, attno);
	n = SPI_getvalue(newtup, desc, attno);
	if (o == NULL || n == NULL)
		return o != n;
	return strcmp(o, n) != 0;
}

/*
 * Add the racing.tier_change rows of a changed table, once per table and
 * transaction (again after a rolled-back subtransaction).
 */
static void
trigger_note_change(int table)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	Oid			argtype = TEXTOID;

	if (logged_mask & (1U << table))
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT racing._tier_note_change($1)",
									1, &argtype);

		if (p == NULL)
			elog(ERROR, "could not prepare the tier change note");
		SPI_keepplan(p);
		plan = p;
	}
	arg = CStringGetTextDatum(tracked_tables[table]);
	if (SPI_execute_plan(plan, &arg, NULL, false, 0) < 0)
		elog(ERROR, "could not note a change of racing.%s",
			 tracked_tables[table]);
	SPI_finish();
	logged_mask |= 1U << table;
}

/*
 * racing._cache_row_trigger(table): AFTER ROW INSERT, UPDATE or DELETE
 * and AFTER TRUNCATE trigger on the source tables of the cache.  Collects
 * the hot keys the change affects (invalidated at commit) and notes the
 * change of the table for the warm and cold views.
 */
Datum
cache_row_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *name;
	int			table;
	TupleDesc	desc;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("racing._cache_row_trigger() must be called as a trigger")));
	if (td->tg_trigger->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("racing._cache_row_trigger() needs the table name as its argument")));

	name = td->tg_trigger->tgargs[0];
	for (table = 0; table < (int) N_TRACKED_TABLES; table++)
		if (strcmp(name, tracked_tables[table]) == 0)
			break;
	if (table == (int) N_TRACKED_TABLES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("racing._cache_row_trigger() does not track table \"%s\"", name)));

	desc = td->tg_relation->rd_att;
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		pending_flush_all = true;
	else if (TRIGGER_FIRED_FOR_ROW(td->tg_event))
	{
		bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);

		/* horse and driver names appear on race cards */
		if (table == 5 || table == 6)
		{
			if (!is_update ||
				trigger_name_changed(td->tg_trigtuple, td->tg_newtuple, desc))
				pending_flush_all = true;
		}
		else if (table == 7)
			pending_flush_all = true;
		else
		{
			trigger_collect(table, td->tg_trigtuple, desc);
			if (is_update)
				trigger_collect(table, td->tg_newtuple, desc);
		}
	}

	trigger_note_change(table);
	return PointerGetDatum(NULL);
}

/*
 * racing._tier_notes_reset(): forget which tables the current transaction
 * has noted in racing.tier_change.  A refresh calls it after it deleted
 * the rows of its view, so that a change later in the same transaction
 * is noted again instead of being hidden by the refresh.
 */
Datum
cache_tier_notes_reset(PG_FUNCTION_ARGS)
{
	logged_mask = 0;
	PG_RETURN_VOID();
}

/* ----------------------------------------------------------------
 * Reading through the tiers
 * ----------------------------------------------------------------
 */

/* sport argument to its number; the same error as racing._check_sport */
static int
parse_sport(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown sport \"<NULL>\""),
				 errhint("Use horse or nascar.")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(s, "horse") == 0)
		return SPORT_HORSE;
	if (strcmp(s, "nascar") == 0)
		return SPORT_NASCAR;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown sport \"%s\"", s),
			 errhint("Use horse or nascar.")));
	return -1;					/* keep the compiler quiet */
}

/*
 * Whether this read may use the hot tier: preloaded, enabled, a snapshot
 * per statement, and a key the open transaction has not changed.  Gives
 * the not-preloaded notice once per backend.
 */
static bool
hot_usable(const HotKey *key)
{
	if (!racing_hot_available())
	{
		if (!notice_given)
		{
			notice_given = true;
			ereport(NOTICE,
					(errmsg("racing hot cache is not available, reading from the tables"),
					 errdetail("The racing library was not loaded by shared_preload_libraries."),
					 errhint("Add racing to shared_preload_libraries and restart the server to use the hot cache.")));
		}
		return false;
	}
	if (!racing_hot_cache_enabled)
		return false;
	if (IsolationUsesXactSnapshot())
		return false;
	return !pending_has(key);
}

typedef enum TierCounter
{
	COUNT_WARM_HIT,
	COUNT_WARM_MISS,
	COUNT_WARM_OUTDATED,
	COUNT_COLD_HIT,
	COUNT_COLD_MISS
} TierCounter;

/* bump a warm or cold counter when shared memory is there */
static void
count_tier(TierCounter which)
{
	pg_atomic_uint64 *counter;

	if (!racing_hot_available())
		return;
	switch (which)
	{
		case COUNT_WARM_HIT:
			counter = &hot->warm_hits;
			break;
		case COUNT_WARM_MISS:
			counter = &hot->warm_misses;
			break;
		case COUNT_WARM_OUTDATED:
			counter = &hot->warm_outdated;
			break;
		case COUNT_COLD_HIT:
			counter = &hot->cold_hits;
			break;
		default:
			counter = &hot->cold_misses;
			break;
	}
	pg_atomic_fetch_add_u64(counter, 1);
}

#define WARM_OUTDATED_SQL \
	"(SELECT EXISTS (SELECT 1 FROM racing.tier_change c" \
	" WHERE c.view_name = 'warm_race_card') AS outdated) o"

/*
 * racing.feature_vector(sport, entry_id): the feature vector of an entry
 * from the hot tier, else the warm race cards, else the base function;
 * what was read is promoted to the hot tier when it is a stored, fresh
 * vector.
 */
Datum
cache_feature_vector(PG_FUNCTION_ARGS)
{
	int			sport = parse_sport(fcinfo, 0);
	int64		entry_id;
	HotKey		key;
	bool		use_hot;
	HotTicket	ticket = {0};
	Datum		args[2];
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	struct varlena *result = NULL;
	bool		cacheable = false;
	bool		pre_race = false;
	bool		isnull;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	entry_id = PG_GETARG_INT64(1);
	key = hot_key(HOT_VECTOR, sport, entry_id);

	use_hot = hot_usable(&key);
	if (use_hot)
	{
		int32		len;
		char	   *value = hot_lookup(&key, &len);

		if (value != NULL)
			PG_RETURN_POINTER(value);
		ticket = hot_ticket(&key);
	}

	args[0] = CStringGetTextDatum(sport_names[sport]);
	args[1] = Int64GetDatum(entry_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (racing_warm_cache_enabled)
	{
		if (SPI_execute_with_args("SELECT w.vec, w.pre_race, o.outdated FROM "
								  WARM_OUTDATED_SQL
								  " LEFT JOIN racing.warm_race_card w ON NOT o.outdated"
								  " AND w.sport = $1 AND w.entry_id = $2",
								  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "warm vector lookup failed");
		if (SPI_processed == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		vec = SPI_getbinval(tup, desc, 1, &isnull);

			if (!isnull)
			{
				result = (struct varlena *) PG_DETOAST_DATUM_COPY(vec);
				pre_race = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
				cacheable = true;
				count_tier(COUNT_WARM_HIT);
			}
			else
			{
				if (DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)))
					count_tier(COUNT_WARM_OUTDATED);
				count_tier(COUNT_WARM_MISS);
			}
		}
	}

	if (result == NULL)
	{
		if (SPI_execute_with_args("SELECT v, f.pre_race,"
								  " coalesce(NOT f.stale, false)"
								  " FROM racing.feature_vector_base($1, $2) v"
								  " LEFT JOIN racing.entry_features f"
								  " ON f.sport = $1 AND f.entry_id = $2",
								  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "feature vector lookup failed");
		if (SPI_processed == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		vec = SPI_getbinval(tup, desc, 1, &isnull);

			if (!isnull)
			{
				bool		pnull;

				vec = PointerGetDatum(PG_DETOAST_DATUM(vec));
				result = (struct varlena *) DatumGetPointer(SPI_datumTransfer(vec, false, -1));
				pre_race = DatumGetBool(SPI_getbinval(tup, desc, 2, &pnull));
				if (pnull)
					pre_race = false;
				cacheable = DatumGetBool(SPI_getbinval(tup, desc, 3, &pnull));
			}
		}
	}
	else
		result = (struct varlena *) DatumGetPointer(SPI_datumTransfer(PointerGetDatum(result), false, -1));

	SPI_finish();

	if (result == NULL)
		PG_RETURN_NULL();
	if (use_hot && cacheable)
		hot_insert(&key, (char *) result, VARSIZE(result),
				   pre_race ? HOT_PRIO_ACTIVE : HOT_PRIO_HISTORY, &ticket);
	PG_RETURN_POINTER(result);
}

/* append one card row, as a minimal tuple, to a serialized card */
static void
card_append(StringInfo buf, TupleDesc desc, Datum *values, bool *nulls)
{
	MinimalTuple mt = heap_form_minimal_tuple(desc, values, nulls);
	uint32		len = mt->t_len;

	appendBinaryStringInfo(buf, (char *) &len, sizeof(len));
	appendBinaryStringInfo(buf, (char *) mt, len);
	pfree(mt);
}

/* put the rows of a serialized card into a tuplestore; returns the count */
static int64
card_restore(const char *value, int32 len, Tuplestorestate *ts)
{
	int32		off = 0;
	int64		n = 0;

	while (off + (int32) sizeof(uint32) <= len)
	{
		uint32		tlen;
		MinimalTuple mt;
		HeapTuple	ht;

		memcpy(&tlen, value + off, sizeof(tlen));
		off += sizeof(tlen);
		mt = palloc(tlen);
		memcpy(mt, value + off, tlen);
		off += tlen;
		ht = heap_tuple_from_minimal_tuple(mt);
		tuplestore_puttuple(ts, ht);
		heap_freetuple(ht);
		pfree(mt);
		n++;
	}
	return n;
}

/*
 * Copy the first columns of the SPI result into the tuplestore and the
 * serialized card; returns true when every row's last column (fresh) is
 * true or there is no such column.
 */
static bool
card_from_spi(TupleDesc desc, Tuplestorestate *ts, StringInfo buf,
			  int fresh_col, bool *any_pre_race)
{
	uint64		i;
	int			natts = desc->natts;
	Datum	   *values = palloc(natts * sizeof(Datum));
	bool	   *nulls = palloc(natts * sizeof(bool));
	bool		all_fresh = true;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		int			c;

		for (c = 0; c < natts; c++)
		{
			values[c] = SPI_getbinval(tup, SPI_tuptable->tupdesc, c + 1, &nulls[c]);
			/* a cached tuple must not point into TOAST */
			if (!nulls[c] && TupleDescAttr(desc, c)->attlen == -1)
				values[c] = PointerGetDatum(PG_DETOAST_DATUM_PACKED(values[c]));
		}
		if (!nulls[natts - 1] && DatumGetBool(values[natts - 1]))
			*any_pre_race = true;
		if (fresh_col > 0)
		{
			bool		fnull;
			Datum		f = SPI_getbinval(tup, SPI_tuptable->tupdesc, fresh_col, &fnull);

			if (fnull || !DatumGetBool(f))
				all_fresh = false;
		}
		if (ts != NULL)
			tuplestore_putvalues(ts, desc, values, nulls);
		card_append(buf, desc, values, nulls);
	}
	pfree(values);
	pfree(nulls);
	return all_fresh;
}

/*
 * Read a race card through the tiers into ts (may be NULL when only the
 * hot tier is to be filled).  prio < 0 derives the priority from the
 * card: upcoming when any entry has no result yet.  Returns the number of
 * rows.
 */
static int64
card_read(int sport, int64 race_id, int prio, TupleDesc desc,
		  Tuplestorestate *ts)
{
	HotKey		key = hot_key(HOT_CARD, sport, race_id);
	bool		use_hot = hot_usable(&key);
	HotTicket	ticket = {0};
	Datum		args[2];
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	StringInfoData buf;
	bool		found = false;
	bool		cacheable = false;
	bool		any_pre_race = false;
	int64		nrows = 0;

	if (use_hot)
	{
		int32		len;
		char	   *value = hot_lookup(&key, &len);

		if (value != NULL)
		{
			nrows = ts != NULL ? card_restore(value, len, ts) : 1;
			pfree(value);
			return nrows;
		}
		ticket = hot_ticket(&key);
	}

	initStringInfo(&buf);
	args[0] = CStringGetTextDatum(sport_names[sport]);
	args[1] = Int64GetDatum(race_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (racing_warm_cache_enabled)
	{
		if (SPI_execute_with_args("SELECT w.entry_id, w.participant_id, w.participant,"
								  " w.set_version, w.vec, w.stale, w.pre_race, o.outdated"
								  " FROM " WARM_OUTDATED_SQL
								  " LEFT JOIN racing.warm_race_card w ON NOT o.outdated"
								  " AND w.sport = $1 AND w.race_id = $2"
								  " ORDER BY w.card_pos",
								  2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "warm race card lookup failed");
		if (SPI_processed >= 1)
		{
			bool		isnull;

			/* one row with a NULL entry_id: outdated or not in the view */
			(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								 1, &isnull);
			if (!isnull)
			{
				card_from_spi(desc, ts, &buf, 0, &any_pre_race);
				nrows = SPI_processed;
				found = true;
				cacheable = true;
				count_tier(COUNT_WARM_HIT);
			}
			else
			{
				if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 8, &isnull)))
					count_tier(COUNT_WARM_OUTDATED);
				count_tier(COUNT_WARM_MISS);
			}
		}
	}

	if (!found)
	{
		if (SPI_execute_with_args("SELECT c.entry_id, c.participant_id, c.participant,"
								  " c.set_version, c.vec, c.stale, c.pre_race,"
								  " coalesce(f.entry_id IS NOT NULL AND NOT f.stale, false)"
								  " FROM racing.race_card_base($1, $2) WITH ORDINALITY c"
								  " LEFT JOIN racing.entry_features f"
								  " ON f.sport = $1 AND f.entry_id = c.entry_id"
								  " ORDER BY c.ordinality",
								  2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "race card lookup failed");
		cacheable = card_from_spi(desc, ts, &buf, 8, &any_pre_race);
		nrows = SPI_processed;
	}

	SPI_finish();

	if (use_hot && cacheable)
	{
		if (prio < 0)
			prio = any_pre_race ? HOT_PRIO_UPCOMING : HOT_PRIO_HISTORY;
		hot_insert(&key, buf.data, buf.len, prio, &ticket);
	}
	pfree(buf.data);
	return nrows;
}

/*
 * racing.race_card(sport, race_id): every entry of a race with its
 * feature vector, through the hot tier, the warm race cards and the base
 * function.
 */
Datum
cache_race_card(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			sport = parse_sport(fcinfo, 0);
	MemoryContext oldcxt;
	TupleDesc	desc;
	Tuplestorestate *ts;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("racing.race_card must be called in a context that accepts a set")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTupleDescCopy(desc);
	ts = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	if (!PG_ARGISNULL(1))
		card_read(sport, PG_GETARG_INT64(1), -1, desc, ts);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = ts;
	rsinfo->setDesc = desc;
	return (Datum) 0;
}

/*
 * racing._hot_prefetch_card(sport, race_id): read a race card into the
 * hot tier with the priority of an upcoming race.  Returns false, and
 * does nothing, when the hot tier is not available.
 */
Datum
cache_prefetch_card(PG_FUNCTION_ARGS)
{
	int			sport = parse_sport(fcinfo, 0);
	TupleDesc	desc;

	if (!racing_hot_available() || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);

	desc = CreateTemplateTupleDesc(7);
	TupleDescInitEntry(desc, 1, "entry_id", INT8OID, -1, 0);
	TupleDescInitEntry(desc, 2, "participant_id", INT8OID, -1, 0);
	TupleDescInitEntry(desc, 3, "participant", TEXTOID, -1, 0);
	TupleDescInitEntry(desc, 4, "set_version", INT4OID, -1, 0);
	TupleDescInitEntry(desc, 5, "vec", FLOAT4ARRAYOID, -1, 0);
	TupleDescInitEntry(desc, 6, "stale", BOOLOID, -1, 0);
	TupleDescInitEntry(desc, 7, "pre_race", BOOLOID, -1, 0);
	card_read(sport, PG_GETARG_INT64(1), HOT_PRIO_UPCOMING, desc, NULL);
	PG_RETURN_BOOL(true);
}

/* ----------------------------------------------------------------
 * Maintenance and statistics
 * ----------------------------------------------------------------
 */

/*
 * racing._hot_expire(): remove expired entries of every database;
 * returns how many, or NULL when the hot tier is not available.
 */
Datum
cache_hot_expire(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS status;
	HotEntry   *e;
	int64		removed = 0;
	TimestampTz now = GetCurrentTimestamp();

	if (!racing_hot_available())
		PG_RETURN_NULL();

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);
	hash_seq_init(&status, hot_index);
	while ((e = hash_seq_search(&status)) != NULL)
	{
		if (hot_expired(e, now))
		{
			hot_remove_entry(e);
			removed++;
		}
	}
	hot->expirations += removed;
	LWLockRelease(hot->lock);
	PG_RETURN_INT64(removed);
}

/*
 * racing._hot_flush(): remove every hot entry of this database; returns
 * how many, or NULL when the hot tier is not available.
 */
Datum
cache_hot_flush(PG_FUNCTION_ARGS)
{
	if (!racing_hot_available())
		PG_RETURN_NULL();
	PG_RETURN_INT64(hot_flush_database());
}

/*
 * racing._cache_counters(): one row per tier with the counters kept in
 * shared memory (zeros and NULL reset_at without it).
 */
Datum
cache_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[8];
	bool		nulls[8];
	uint64		h[11] = {0};
	TimestampTz reset_at = 0;
	bool		available = racing_hot_available();
	int			tier;

	InitMaterializedSRF(fcinfo, 0);

	if (available)
	{
		LWLockAcquire(hot->lock, LW_SHARED);
		h[0] = hot->hits;
		h[1] = hot->misses;
		h[2] = hot->entries;
		h[3] = (uint64) (hot->nblocks - hot->free_blocks) * HOT_BLOCK_SIZE +
			(uint64) hot->entries * sizeof(HotEntry);
		h[4] = hot->evictions;
		h[5] = hot->expirations;
		reset_at = hot->reset_at;
		LWLockRelease(hot->lock);
		h[6] = pg_atomic_read_u64(&hot->warm_hits);
		h[7] = pg_atomic_read_u64(&hot->warm_misses);
		h[8] = pg_atomic_read_u64(&hot->cold_hits);
		h[9] = pg_atomic_read_u64(&hot->cold_misses);
		h[10] = pg_atomic_read_u64(&hot->warm_outdated);
	}

	for (tier = 0; tier < 3; tier++)
	{
		static const char *const tiers[] = {"hot", "warm", "cold"};

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(tiers[tier]);
		if (tier == 0)
		{
			values[1] = Int64GetDatum((int64) h[0]);
			values[2] = Int64GetDatum((int64) h[1]);
			values[3] = Int64GetDatum((int64) h[2]);
			values[4] = Int64GetDatum((int64) h[3]);
			values[5] = Int64GetDatum((int64) h[4]);
			values[6] = Int64GetDatum((int64) h[5]);
		}
		else
		{
			values[1] = Int64GetDatum((int64) h[tier == 1 ? 6 : 8]);
			values[2] = Int64GetDatum((int64) h[tier == 1 ? 7 : 9]);
			nulls[3] = nulls[4] = nulls[5] = true;	/* filled in by the view */
			values[6] = Int64GetDatum((int64) h[10]);
			nulls[6] = (tier == 2);
		}
		values[7] = TimestampTzGetDatum(reset_at);
		nulls[7] = !available;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * racing.cache_stats_reset(): zero the counters of every tier.
 */
Datum
cache_counters_reset(PG_FUNCTION_ARGS)
{
	if (!racing_hot_available())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("racing cache statistics are not available"),
				 errdetail("The racing library was not loaded by shared_preload_libraries."),
				 errhint("Add racing to shared_preload_libraries and restart the server.")));

	LWLockAcquire(hot->lock, LW_EXCLUSIVE);
	hot->hits = hot->misses = hot->evictions = hot->expirations = 0;
	hot->inserts = 0;
	pg_atomic_write_u64(&hot->warm_hits, 0);
	pg_atomic_write_u64(&hot->warm_misses, 0);
	pg_atomic_write_u64(&hot->warm_outdated, 0);
	pg_atomic_write_u64(&hot->cold_hits, 0);
	pg_atomic_write_u64(&hot->cold_misses, 0);
	hot->reset_at = GetCurrentTimestamp();
	LWLockRelease(hot->lock);
	PG_RETURN_VOID();
}

/*
 * racing._tier_count(tier, hit): count a read of the warm or cold tier
 * made by SQL code (racing.participant_form).
 */
Datum
cache_count_tier(PG_FUNCTION_ARGS)
{
	char	   *tier;
	bool		hit;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	tier = text_to_cstring(PG_GETARG_TEXT_PP(0));
	hit = PG_GETARG_BOOL(1);
	if (strcmp(tier, "warm") == 0)
		count_tier(hit ? COUNT_WARM_HIT : COUNT_WARM_MISS);
	else if (strcmp(tier, "cold") == 0)
		count_tier(hit ? COUNT_COLD_HIT : COUNT_COLD_MISS);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown cache tier \"%s\"", tier),
				 errhint("Use warm or cold.")));
	PG_RETURN_VOID();
}

/*
 * racing._hot_available(): whether this server has the hot tier.
 */
Datum
cache_hot_available(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(racing_hot_available());
}

/* ----------------------------------------------------------------
 * Module initialisation
 * ----------------------------------------------------------------
 */

/*
 * Define the cache GUCs, install the shared memory hooks when preloading
 * and register the transaction callbacks.
 */
void
racing_cache_init(void)
{
	DefineCustomIntVariable("racing.hot_ttl",
							"Age after which a hot cache entry counts as a miss.",
							"0 keeps entries until they are evicted or invalidated.",
							&racing_hot_ttl,
							15 * 60, 0, INT_MAX / 1000,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("racing.hot_cache",
							 "Read and fill the hot tier in this session.",
							 "Off reads through the warm tier and the tables only, as when the library is not preloaded.",
							 &racing_hot_cache_enabled,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("racing.warm_cache",
							 "Read the warm materialized views in this session.",
							 NULL,
							 &racing_warm_cache_enabled,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	/* a PGC_POSTMASTER setting can only be defined while preloading */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomIntVariable("racing.hot_cache_size",
								"Shared memory for the hot tier of the racing cache.",
								"Covers the value blocks and the index; entries are evicted before an insert once it is full.",
								&racing_hot_cache_size,
								100 * 1024, 256, INT_MAX / 2,
								PGC_POSTMASTER, GUC_UNIT_KB,
								NULL, NULL, NULL);

		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = cache_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = cache_shmem_startup;
	}

	RegisterXactCallback(cache_xact_callback, NULL);
	RegisterSubXactCallback(cache_subxact_callback, NULL);
}
