/*-------------------------------------------------------------------------
 *
 * features.h
 *	  Point-in-time feature vectors: the layout of the stored history rows
 *	  and the pure computations (features_calc.c) that turn one entry's
 *	  pre-race columns and its history into a vector.
 *
 * The computations here never see a post-race column of the entry they
 * compute for: HorseEntry and NascarEntry hold pre-race columns only, and
 * the results of earlier races arrive as history rows (run statistics and
 * aggregate sums) that the caller read with a strict "before this race"
 * condition.  A missing value is NaN everywhere.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FEATURES_H
#define FEATURES_H

#include "postgres.h"

/* version of both feature sets; bump when a definition changes */
#define FEATURE_SET_VERSION 1

/* timelines: the horse calendar, and one per NASCAR series */
#define TL_HORSE		1
#define TL_CUP			2
#define TL_XFINITY		3
#define TL_TRUCK		4

/* kinds of history membership (feature_member.kind) */
#define FK_HORSE		1		/* own runs of a horse, with run stats */
#define FK_JOCKEY		2
#define FK_TRAINER		3
#define FK_JT			4		/* jockey and trainer pair */
#define FK_SIRE_GOING	5		/* sire in a going group */
#define FK_SIRE_DIST	6		/* sire at a distance (whole furlongs) */
#define FK_DRAW			7		/* course key and distance: winners' draw */
#define FK_DRIVER		11		/* own starts of a driver, with stats */
#define FK_TEAM			12		/* starts of a team's cars */
#define FK_MAKE_TYPE	13		/* make at a track type */
#define FK_SEASON_PTS	14		/* points of one season (key = season) */
#define FK_SERIES		15		/* the series calendar (key 0) */

/*
 * Levels of the aggregate tree: bucket = slot >> (3 * level).  Level 0
 * (one slot) is not stored as sums: it is read from the member rows
 * themselves (racing.feature_member); levels 1 .. FEAT_AGG_LEVELS - 1
 * are in racing.feature_agg.
 */
#define FEAT_AGG_LEVELS 4

/* run statistics of a horse (feature_member.stats of kind FK_HORSE) */
#define HS_DAY			0
#define HS_NORMPOS		1
#define HS_BEATEN		2
#define HS_WIN			3
#define HS_PLACE		4
#define HS_DIST_F		5
#define HS_GOING		6
#define HS_COURSE		7
#define HS_RPR			8
#define HS_CLASS		9
#define HS_LBS			10
#define HS_OR			11
#define HS_HG			12
#define HS_BEATEN_PF	13
#define HS_N			14

/* start statistics of a driver (kind FK_DRIVER) */
#define DS_SLOT			0
#define DS_FINISH		1
#define DS_START		2
#define DS_LAPS			3
#define DS_RACE_LAPS	4
#define DS_LED			5
#define DS_CAT			6		/* 0 finished 1 crash 2 mechanical 3 dq 4 other */
#define DS_S1			7
#define DS_S2			8
#define DS_RATING		9
#define DS_TRACK		10
#define DS_TTYPE		11
#define DS_TEAM			12
#define DS_SEASON		13
#define DS_POINTS		14
#define DS_FIELD		15
#define DS_N			16

/* aggregate requests of a horse entry, in this order */
#define HA_JOCKEY_365	0
#define HA_TRAINER_365	1
#define HA_TRAINER_14	2
#define HA_JT_730		3
#define HA_SIRE_GOING	4
#define HA_SIRE_DIST	5
#define HA_DRAW			6
#define HA_N			7

#define HORSE_NFEATURES 45
#define NASCAR_NFEATURES 28

/* A horse race as the features see it: pre-race columns only. */
typedef struct HorseRace
{
	int64		race_id;
	int32		day;			/* days since 1900-01-01 */
	int32		course_key;		/* course_id * 4 + surface code */
	bool		flat;
	bool		handicap;
	float4		class_num;		/* NaN when unknown */
	float4		dist_f;			/* NaN when unknown */
	int			going;			/* going group code, 0 unknown */
	int			starters;		/* declared runners less non-runners */
	float4		max_lbs;
	float4		mean_or;
	float4		mean_age;
	int			max_draw;
} HorseRace;

/* One runner's pre-race columns. */
typedef struct HorseEntry
{
	int64		entry_id;
	int64		horse_id;
	int64		jockey_id;		/* 0 when unknown */
	int64		trainer_id;
	bool		has_sire;
	float4		draw;			/* NaN when none */
	float4		age;
	char		sex;
	float4		lbs;
	float4		official_rating;
	int			hg_mask;
	bool		hg_first_time;
	bool		non_runner;
} HorseEntry;

/* A NASCAR race: pre-race columns. */
typedef struct NascarRace
{
	int64		race_id;
	int32		slot;			/* season * 100 + race_num */
	int32		season;
	int32		track_id;
	int			track_type;		/* code, 0 unknown */
	int			field_size;		/* entries not scratched */
} NascarRace;

/* One NASCAR entry's pre-race columns. */
typedef struct NascarEntry
{
	int64		entry_id;
	int64		driver_id;
	int64		team_id;		/* 0 when unknown */
	float4		start_pos;		/* NaN when unknown or 0 */
} NascarEntry;

/* Aggregates that the caller read for one NASCAR entry. */
typedef struct NascarHistory
{
	const float4 *starts;		/* DS_N floats per start, newest first */
	int			nstarts;
	float4		team_form;		/* mean finish of the team's last 10 races */
	float4		make_type_form;
	float4		pts_rank;
	float4		races_since_last;
} NascarHistory;

extern const char *const horse_feature_names[HORSE_NFEATURES];
extern const char *const nascar_feature_names[NASCAR_NFEATURES];

extern int	horse_going_code(const char *going_group);
extern int	horse_hg_mask(const char *headgear, bool *first_time);
extern float4 horse_class_num(const char *race_class, const char *pattern);
extern int	nascar_track_type_code(const char *track_type);
extern int	nascar_status_code(const char *category);

extern void horse_vector(const HorseRace *race, const HorseEntry *entry,
						 const float4 *runs, int nruns,
						 const double aggs[HA_N][4], float4 *vec);
extern void nascar_vector(const NascarRace *race, const NascarEntry *entry,
						  const NascarHistory *hist, float4 *vec);

#endif							/* FEATURES_H */
