/*
 * internal.h - what the modules of librec share and callers never see.
 */
#ifndef REC_INTERNAL_H
#define REC_INTERNAL_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "rec.h"

#define REC_UNUSED(x) ((void)(x))

/* Fill err (which may be NULL) and return code. */
int rec_fail(struct rec_error *err, int code, const char *file, long line,
	     const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Little-endian loads of 4 and 8 bytes from any address.  Written byte by
 * byte, which GCC and clang turn into one load on little-endian targets. */
static inline uint32_t rec_load_le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	       (uint32_t)u[3] << 24;
}
static inline uint64_t rec_load_le64(const char *p)
{
	return (uint64_t)rec_load_le32(p) |
	       (uint64_t)rec_load_le32(p + 4) << 32;
}

/*
 * Allocation (alloc.c).  Every allocation of the library goes through these,
 * never through malloc directly: the _array forms check n * size for
 * overflow, a zero size is never passed on, and a test can make any one
 * allocation fail.  They return NULL on failure, leaving p untouched.
 */
void *rec_malloc(size_t n);
void *rec_calloc(size_t n, size_t size);
void *rec_realloc(void *p, size_t n);
void *rec_malloc_array(size_t n, size_t size);
void *rec_realloc_array(void *p, size_t n, size_t size);
/* n elements of size bytes at an address that is a multiple of align (a
 * power of two); freed with rec_free. */
void *rec_aligned_alloc_array(size_t align, size_t n, size_t size);
void rec_free(void *p);
/* zlib's zalloc and zfree, so that its allocations go through these too. */
void *rec_zalloc(void *opaque, unsigned items, unsigned size);
void rec_zfree(void *opaque, void *p);
/* The capacity an array grows to so that need elements fit: cap (at least
 * min) doubled until it does; 0 if that would overflow. */
size_t rec_grow_cap(size_t cap, size_t need, size_t min);
/* p, an array of *cap elements of size bytes, grown to hold need (its
 * capacity doubling from at least min): p itself when it holds them
 * already, else the new array with *cap updated, or NULL (p and *cap
 * untouched) when out of memory.  The _big form is for large arrays. */
void *rec_grow_array(void *p, size_t *cap, size_t need, size_t min,
		     size_t size);
void *rec_grow_big_array(void *p, size_t *cap, size_t need, size_t min,
			 size_t size);
/* Large arrays: realloc and free for blocks of many megabytes. */
void *rec_big_realloc(void *p, size_t n);
void *rec_big_realloc_array(void *p, size_t n, size_t size);
void rec_big_free(void *p);
/* Tests only: from now, the nth allocation fails (and, with persist, every
 * one after it); 0 turns failures off.  rec_alloc_count() is how many
 * allocations were made since the last call. */
void rec_alloc_fail_at(long nth, int persist);
long rec_alloc_count(void);

/*
 * Exact AUC, ties counting half (auc.c), for metrics, ranking and update
 * progress alike.
 */
/* A key whose unsigned order is the score's order; -0 and +0 tie. */
uint64_t rec_score_key(double score);
/* Stable LSD radix sort of n records of size bytes, each starting with its
 * uint64_t key; tmp holds n records. */
void rec_radix_sort(void *base, size_t n, size_t size, void *tmp);
/* A row with a weight, for the sort. */
struct rec_scored {
	uint64_t key;		/* rec_score_key of the score */
	double weight;
};
/* The rows of one class sorted by key: bare keys (weight 1 each) or, when
 * rows is not NULL, weighted rows. */
struct rec_auc_class {
	const uint64_t *keys;
	const struct rec_scored *rows;
	size_t n;
};
/* Weighted pairs of a positive above a negative, a tie counting half;
 * the AUC is this over the product of the classes' weights. */
double rec_auc_pairs(const struct rec_auc_class *pos,
		     const struct rec_auc_class *neg);
/* The score a key was made from (-0 comes back as +0). */
double rec_key_score(uint64_t key);
/* The rows a rec_metrics keeps, each class sorted by key (sorted here if
 * rows came since the last sort): c[0] negatives, c[1] positives, valid
 * until the next row is added; their total weights; and whether every
 * score is in [0, 1].  REC_EDATA when labels are not all 0/1 or a class
 * has no weight, REC_ENOMEM (mt as it was). */
int rec_metrics_classes(rec_metrics *mt, struct rec_auc_class c[2],
			double weight[2], int *probabilities);

/* The learner keeps every parameter within +-REC_PARAM_MAX and every
 * AdaGrad sum within [0, REC_ACC_MAX], so no learning rate or data can make
 * a score or a saved value infinite; the loader refuses values past them. */
#define REC_PARAM_MAX 1e9f
#define REC_ACC_MAX 1e30f

/*
 * Smaller numbers for a model saved at precision 16 or 8 (quant.c).
 * Halves are IEEE 754 binary16: from a float to nearest, ties to even,
 * past 65504 to an infinity, a NaN to a NaN; back exactly.  An 8-bit row
 * of n values has a range r, the largest magnitude, and values q in
 * [-127, 127], q = x 127 / r to nearest (ties to even), 0 when r is 0;
 * back, q r / 127 in a double rounded to a float, which gives r itself
 * for q = +-127, so that a row quantised again gives the same bytes.
 */
uint16_t rec_half_from_float(float f);
float rec_half_to_float(uint16_t h);
void rec_quant8_row(const float *x, size_t n, float *range, int8_t *q);
float rec_dequant8(float range, int8_t q);

/* The hyper-parameters as the model file's key/value list, in table
 * order.  Decoding takes a missing key's default for the task the file
 * names and skips keys it does not know; string values are rec_malloc'ed
 * into strings[row] (rec_param_count slots, NULL or freed and replaced),
 * which the caller owns.  0, REC_ENOMEM, or REC_EFORMAT with why said. */
#define REC_MAX_PARAMS 64	/* rows of the parameter table, at most */
struct rec_buf;
struct rec_cursor;
void rec_params_encode(const struct rec_params *p, struct rec_buf *b);
int rec_params_decode(struct rec_cursor *c, struct rec_params *p,
		      char **strings, char *why, size_t why_len);

/* SHA-256, streaming (digest.c): the identity of an input's bytes. */
struct rec_sha256 {
	uint32_t state[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t held;		/* bytes of block waiting for the rest */
};
void rec_sha256_init(struct rec_sha256 *s);
void rec_sha256_add(struct rec_sha256 *s, const void *data, size_t len);
void rec_sha256_end(struct rec_sha256 *s, unsigned char out[32]);
/* Tests only: 1 makes SHA-256 use its portable code on every CPU. */
void rec_sha256_generic(int on);

/* 64-bit hash of a namespace byte and a string: the feature's identity. */
uint64_t rec_hash(unsigned char space, const char *s, size_t len);
/* The same under a 64-bit seed: rec_hash(c, ...) is rec_hash_seeded(c, ...).
 * A namespace's seed is rec_hash('n', its name). */
uint64_t rec_hash_seeded(uint64_t seed, const char *s, size_t len);

/* Feature namespaces: a user id and an item id with the same text are
 * different features. */
enum { REC_SPACE_USER = 'u', REC_SPACE_ITEM = 'i' };

/* xoshiro256**: small, fast, and its whole state fits in the model file. */
struct rec_rng {
	uint64_t s[4];
};
void rec_rng_seed(struct rec_rng *r, uint64_t seed);
uint64_t rec_rng_next(struct rec_rng *r);
double rec_rng_uniform(struct rec_rng *r);	/* [0, 1) */
uint64_t rec_rng_below(struct rec_rng *r, uint64_t n);	/* [0, n) */

/* Open-addressing map from 64-bit key to a 32-bit index.  A key and its
 * value share a slot, so a lookup that misses the cache misses once. */
struct rec_map_slot {
	uint64_t key;
	uint32_t value;		/* UINT32_MAX marks an empty slot */
};
struct rec_map {
	struct rec_map_slot *slots;
	size_t mask;		/* capacity - 1, capacity a power of two */
	unsigned shift;		/* 64 - log2(capacity): slots from high bits */
	size_t count;
	int big;		/* slots are rec_big_ memory */
};
int rec_map_init(struct rec_map *m, size_t capacity);
void rec_map_destroy(struct rec_map *m);
/* The index stored for key, or UINT32_MAX. */
static inline uint32_t rec_map_get(const struct rec_map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> m->shift);
	for (;;) {
		const struct rec_map_slot *s = &m->slots[i];
		if (s->value == UINT32_MAX || s->key == key)
			return s->value;
		i = (i + 1) & m->mask;
	}
}
/* Start loading the slot of key, for a lookup soon after: the misses of
 * several lookups then overlap. */
static inline void rec_map_prefetch(const struct rec_map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> m->shift);
	__builtin_prefetch(&m->slots[i]);
}
/* Store key -> value (key must be absent).  0 or REC_ENOMEM. */
int rec_map_put(struct rec_map *m, uint64_t key, uint32_t value);

/*
 * Side features (features.c).  Every feature lives in a namespace: the
 * user ids, the item ids, each feature column of the events and each
 * column of the attribute tables.  A value's key is the hash of the value
 * under the namespace's seed, so age=3 and item=3 never meet.
 */
enum { REC_SIDE_QUERY = 0, REC_SIDE_ITEM = 1 };
enum { REC_ORIGIN_ID = 0, REC_ORIGIN_EVENT = 1, REC_ORIGIN_TABLE = 2 };
#define REC_MAX_SPACES 4096	/* namespaces of one model, at most */
#define REC_MAX_SIDE 1024	/* features on one side of an event */
_Static_assert(REC_EXPLAIN_TERMS >= 2 * REC_MAX_SIDE + 2,
	       "REC_EXPLAIN_TERMS too small");
struct rec_space {
	char *name;
	uint64_t seed;		/* rec_hash('n', name) */
	unsigned char side;	/* REC_SIDE_* */
	unsigned char origin;	/* REC_ORIGIN_* */
	unsigned char numeric;	/* one real-valued feature */
};
/* A feature before it has a row: its key, value and namespace. */
struct rec_kfeat {
	uint64_t key;
	float x;
	uint32_t space;
};
/* A feature of an event: its row and value. */
struct rec_feat {
	uint32_t row;
	float x;
};
/* An attribute table: ids, each with its features. */
struct rec_table {
	rec_idset *ids;		/* NULL: no table */
	uint32_t *first, *count;	/* per id: its features in values */
	size_t cap;
	struct rec_kfeat *values;
	size_t nvalues, values_cap;
};
struct rec_schema {
	struct rec_space *spaces;	/* 0: user ids, 1: item ids */
	size_t nspaces, cap;
	/* the reader's extra columns, in order: query side, then item side */
	uint32_t column_space[REC_MAX_EXTRA];
	int ncolumns, nquery;
	char list_sep;		/* 0: cells hold one value */
	struct rec_table tables[2];	/* by side: users, items */
	int active;		/* any feature beyond the two ids */
};

/* The item catalogue: every item met in training, in first-seen order. */
struct rec_item {
	uint64_t key;		/* rec_hash of the id: the index's key */
	uint32_t name_off;	/* offset of the id in the name arena */
	uint32_t name_len;
	uint32_t feature;	/* feature row of the item id */
	uint64_t count;		/* events seen */
	double last_time;	/* largest time column value seen */
	/* item-side feature columns of its latest event, in the
	 * catalogue's kfeats */
	uint32_t feats_first, feats_count;
};

struct rec_catalogue {
	struct rec_item *items;
	size_t count, cap;
	char *names;		/* the ids, not NUL-terminated */
	size_t names_len, names_cap;
	struct rec_map index;	/* rec_hash(item id) -> position in items */
	/* by feature row: the position of the item last noted with it, or
	 * UINT32_MAX; a hint, trusted only when that item's key matches,
	 * so that a row's item is found without a probe of index */
	uint32_t *by_row;
	size_t by_row_len;
	uint64_t max_count;	/* largest count, for popularity sampling */
	struct rec_kfeat *kfeats;	/* the items' feature lists */
	size_t nkfeats, kfeats_cap;
	size_t kfeats_live;	/* entries of the lists in use */
	uint32_t last;		/* index of the item last noted */
};

struct rec_counters {
	uint64_t events;	/* training steps: events learned, all passes
				 * and runs */
	/* events learned, each once (the training rows of rec_train, each
	 * event of an update); known 0 for a model an older writer saved,
	 * which did not count them (then learned stays 0) */
	uint64_t learned;
	int learned_known;
	uint64_t updates;	/* training runs */
	int passes_done;
	double train_loss;
	double holdout_loss;	/* negative when none */
	int64_t created;
	int64_t saved;
	/* progressive validation: each event scored before it is learned,
	 * over every single-pass run (rec-update, rec-train -p 1) */
	uint64_t prog_events;
	double prog_loss;	/* weighted sum of losses */
	double prog_weight;	/* sum of weights */
};

/*
 * EASE, the item-item model (ease.c): the users' histories, from which the
 * Gram matrix follows, and P = (G + lambda I)^-1 over the items of the
 * item-item part.
 */
#define REC_EASE_MAX_USERS (1 << 24)	/* G's counts stay exact floats */
#define REC_EASE_MAX_ITEMS (1 << 20)	/* in the item-item part, at most */
struct rec_ease_history {
	uint32_t *items;	/* catalogue indices, ascending */
	uint32_t n, cap;
};
struct rec_ease {
	rec_idset *users;	/* numbered as first met */
	struct rec_ease_history *hist;	/* by user */
	size_t nusers, hist_cap;
	uint32_t *item_users;	/* by catalogue item: users who met it */
	size_t item_users_cap;
	uint64_t pairs;		/* (user, item) pairs: the ones of X */
	/* the item-item part, as last fitted */
	uint32_t n;		/* its items */
	size_t ld;		/* floats per row of P: n rounded up */
	uint32_t *kept;		/* catalogue index of each position */
	uint32_t *pos;		/* by catalogue index: position, or
				 * UINT32_MAX outside the part */
	size_t npos;		/* catalogue items when fitted */
	float *P;		/* ld x ld, symmetric; rec_big_ memory */
	double lambda;		/* the lambda P was fitted with */
	uint64_t gram_nonzero;	/* non-zeros of G */
	int threads;		/* for fitting; not saved */
};
struct rec_buf;
struct rec_cursor;
/* m->ease made empty: 0 or REC_ENOMEM. */
int rec_ease_init(struct rec_model *m);
void rec_ease_free(struct rec_ease *e);
/* One event into the histories and the catalogue: 0 or REC_ENOMEM. */
int rec_ease_add(struct rec_model *m, const struct rec_row *row);
/* Every event of a reader (bad rows to bad_row): 0, REC_EDATA when there
 * was none, or the reader's or bad_row's code. */
int rec_ease_read(struct rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		  void *arg, uint64_t *events, struct rec_error *err);
/* The histories of from into m's (each user's items united), from's
 * items found in m's catalogue by id (every one must be there); the fit
 * is left as it was: refit.  0 or REC_ENOMEM. */
int rec_ease_unite(struct rec_model *m, const struct rec_model *from);
/* P for the histories and parameters as they are now.  On failure the
 * model has no fit. */
int rec_ease_fit(struct rec_model *m, struct rec_error *err);
/* The items of the item-item part, the max (0: all) most met, ascending,
 * into a new array. */
int rec_ease_choose(const struct rec_model *m, size_t max, uint32_t **kept,
		    size_t *n);
/* 1 and the user's place if the model knows the user. */
int rec_ease_user(const struct rec_model *m, const char *id, size_t len,
		  size_t *u);
/* Share of the users who met a catalogue item: the score of items outside
 * the item-item part and for unknown users. */
double rec_ease_popularity(const struct rec_model *m, uint32_t item);
/* For n users (places; SIZE_MAX: none, left at zero):
 * sums[k * part + pos] = sum of P[j][pos] over user k's items j in the
 * part, part being the items of the item-item part.  0 or REC_ENOMEM. */
int rec_ease_sums(const struct rec_model *m, const size_t *users, size_t n,
		  float *sums);
int rec_ease_seen(const struct rec_model *m, size_t u, uint32_t item);
/* The score of the item at position at from its sum, in floats. */
double rec_ease_finish(const struct rec_model *m, uint32_t at, float sum,
		       int seen);
double rec_ease_margin(const struct rec_model *m, const char *user,
		       size_t user_len, const char *item, size_t item_len);
/* The two chunks of the model file (EUSR, EASE); decoders set *why. */
int rec_ease_encode_users(struct rec_buf *b, const struct rec_model *m);
int rec_ease_decode_users(struct rec_cursor *c, struct rec_model *m,
			  const char **why);
int rec_ease_encode_matrix(struct rec_buf *b, const struct rec_model *m);
/* A chunk's content inflated piece by piece (modelfile.c): exactly n
 * bytes into out; 0, REC_EFORMAT (damaged, or past the end) or
 * REC_ENOMEM. */
struct rec_inflate;
int rec_inflate_take(struct rec_inflate *s, void *out, size_t n);
int rec_ease_decode_matrix(struct rec_inflate *in, uint64_t raw_len,
			   struct rec_model *m, const char **why);

/*
 * The parameters of one feature row lie together: its weight and k factors,
 * then the optimiser's accumulators for the same 1 + k values.  Keeping the
 * row in one cache-line-friendly block is what makes a training step cheap.
 */
struct rec_model {
	struct rec_params params;
	char *strings[REC_MAX_PARAMS];	/* owned copies of params' strings,
					 * by table row */
	size_t stride;		/* floats per feature row: 2 * (1 + k) */
	float bias[2];		/* w0 and its accumulator */
	float *rows;		/* features * stride floats */
	size_t features, cap;
	uint64_t *feature_keys;	/* hashed id of each row, in row order */
	uint32_t *feature_space;	/* namespace of each row; NULL when
					 * the model has only the two ids */
	struct rec_grads {	/* a step's gradients, one entry per row */
		struct rec_grad {
			uint32_t row;
			unsigned char side;	/* REC_FREEZE_* bits of
						 * its sides */
			unsigned char with_w;	/* the weight has one */
			unsigned char shared;	/* a side feature, not an
						 * id */
		} *e;
		float *g;		/* 1 + k each */
		size_t n, cap, g_cap;
	} grads;
	uint32_t *feature_events;	/* events learned per row, each once */
	struct rec_map feature_index;	/* hashed id -> row */
	uint64_t key_mask;	/* 2^bits - 1 */
	struct rec_catalogue catalogue;
	struct rec_schema schema;
	struct rec_counters counters;
	struct rec_rng rng;
	struct rec_ease *ease;	/* the EASE model; NULL for the FM */
	struct rec_journal {	/* inputs rec-update learned, oldest first */
		struct rec_learned {
			unsigned char sha[32];
			uint64_t bytes;
			int64_t when;	/* unix time it was learned */
		} *e;
		size_t n, cap;
	} journal;
	/* forgetting: when each row, and the bias,
	 * last learned, in events or in time-column units; NULL until used */
	double *feature_stamp;
	double bias_stamp;
	/* --l2-init: the weight and factors of each row the model had when
	 * the pull began (1 + k floats a row), and its strength; never
	 * saved */
	float *anchor;
	size_t anchor_rows;
	float anchor_l2;
	/* of the file loaded, 0 if new; never saved */
	int threads;		/* a one-pass stream may use 2 (update.c);
				 * not saved */
	uint32_t file_read_version;	/* of the file loaded, 0 if new */
	uint32_t file_write_version;
	/* the bits of each weight and factor in the file: 32 (with the
	 * optimiser's state), 16 or 8 (without it); a loaded model's is its
	 * file's until rec_model_set_precision */
	int precision;
	/* loaded from a file of precision 16 or 8: the optimiser's state
	 * was not saved, and the accumulators hold the values
	 * rec_model_reset_optimizer gives them until it is called */
	int no_optimiser_state;
};

/* Run job on each of the n (at most REC_MAX_THREADS) arguments in args,
 * arg_size bytes apart, at once: the first in the calling thread, the
 * others each in a thread of its own, or in the calling thread after the
 * first when a thread cannot start.  Returns when all are done. */
void rec_run_jobs(void *(*job)(void *), void *args, size_t arg_size, int n);

/* The feature key of a string in a namespace, reduced to 2^bits rows. */
static inline uint64_t rec_feature_key(const struct rec_model *m,
				       unsigned char space,
				       const char *s, size_t len)
{
	return rec_hash(space, s, len) & m->key_mask;
}

/* The row of a feature key, or UINT32_MAX when the model never saw it. */
static inline uint32_t rec_model_find(const struct rec_model *m, uint64_t key)
{
	return rec_map_get(&m->feature_index, key);
}

/* The rows of a user id and an item id, each UINT32_MAX when the model
 * never saw it: rows[0] the user's, rows[1] the item's. */
static inline void rec_model_find_pair(const struct rec_model *m,
				       const char *user, size_t user_len,
				       const char *item, size_t item_len,
				       uint32_t rows[2])
{
	rows[0] = rec_model_find(m, rec_feature_key(m, REC_SPACE_USER, user,
						    user_len));
	rows[1] = rec_model_find(m, rec_feature_key(m, REC_SPACE_ITEM, item,
						    item_len));
}
/* The read version of the file the model is written as, 1 to 5, and its
 * write version: 4 while the read version is 4 or less (the file is then
 * byte for byte what a format 4 writer made), else REC_FORMAT_VERSION. */
int rec_model_read_version(const struct rec_model *m);
int rec_model_write_version(const struct rec_model *m);
/* 0, or REC_EINVAL when the model has no optimiser state to learn with
 * (loaded at precision 16 or 8). */
int rec_model_check_learnable(const struct rec_model *m,
			      struct rec_error *err);
/* Set what follows from the parameters: the row stride and key mask. */
void rec_model_shape(struct rec_model *m);

/* Point params.input's column names at copies the model owns.  0 or
 * REC_ENOMEM. */
int rec_model_own_columns(struct rec_model *m);

/* The row of a feature key, created (with its initial factors) if new, in
 * namespace space. */
int rec_model_intern(struct rec_model *m, uint64_t key, uint32_t space,
		     uint32_t *row);
/* rec_model_intern in two steps, for a reader that assigns the rows of
 * new keys while another thread learns (update.c): room for n more rows
 * (0 or REC_ENOMEM, the model unchanged but for its capacity), then a
 * new row for key at the end, with its initial values; the map of keys
 * is the caller's to keep. */
int rec_model_reserve_rows(struct rec_model *m, size_t n);
void rec_model_append_row(struct rec_model *m, uint64_t key, uint32_t space);

/*
 * Side features (features.c).
 */
/* The namespaces of the ids and of params' feature columns; 0 or an error
 * (a column given twice, ...). */
int rec_schema_init(struct rec_model *m, struct rec_error *err);
void rec_schema_free(struct rec_schema *s);
int rec_schema_add_space(struct rec_schema *s, const char *name, size_t len,
			 int side, int origin, int numeric, uint32_t *index);
/* From now on each row records its namespace.  0 or REC_ENOMEM. */
int rec_schema_activate(struct rec_model *m);
/* Why a cell of a list column is bad (an empty value), or NULL. */
const char *rec_list_problem(char sep, const char *cell, size_t len);
/* Add an id with n features to a table: 0, 1 when the id is there
 * already (nothing added), or REC_ENOMEM. */
int rec_table_add(struct rec_table *t, const char *id, size_t len,
		  const struct rec_kfeat *v, size_t n);
/* The keyed features of a row: out[0..n[0]) the query side (user id
 * first), out[REC_MAX_SIDE..REC_MAX_SIDE + n[1]) the item side (item id
 * first, then n[2] from the event's item feature columns, then the item's
 * attributes); out holds 2 * REC_MAX_SIDE.  0, or REC_EDATA when a side
 * has too many. */
int rec_row_kfeats(const struct rec_model *m, const struct rec_row *row,
		   struct rec_kfeat *out, int n[3], struct rec_error *err);
/* Rows for n keyed features into out (duplicates merged, their values
 * added): made if new (intern; -1 when out of memory) or dropped when the
 * model has none (find).  The count in out. */
int rec_kfeats_intern(struct rec_model *m, const struct rec_kfeat *k, int n,
		      struct rec_feat *out);
int rec_kfeats_find(const struct rec_model *m, const struct rec_kfeat *k,
		    int n, struct rec_feat *out);
/* An item's event features (n keyed, item id not included) into the
 * catalogue.  0 or REC_ENOMEM. */
int rec_catalogue_set_kfeats(struct rec_model *m, uint32_t item,
			     const struct rec_kfeat *k, int n);
/* The keyed item side of an item id (catalogue index item, or
 * UINT32_MAX for an item known only from the attribute table): the id,
 * the catalogue's features, the attributes.  out holds REC_MAX_SIDE. */
int rec_item_kfeats(const struct rec_model *m, const char *id, size_t len,
		    uint32_t item, struct rec_kfeat *out);
/* Both sides of a row as rows the model has: f[0..nu) the query side,
 * f[nu..nu + ni) the item side; f holds 2 * REC_MAX_SIDE.  0 or
 * REC_EDATA. */
int rec_model_row_feats(const struct rec_model *m, const struct rec_row *row,
			struct rec_feat *f, int *nu, int *ni,
			struct rec_error *err);
/* The keyed query side of a user id: the id and its attributes. */
int rec_user_kfeats(const struct rec_model *m, const char *id, size_t len,
		    struct rec_kfeat *out);
/* The side sums (rec_fm_side) of a user as top-k sees it, its id and
 * attributes; and of an item (catalogue index item, or UINT32_MAX for a
 * cold one), its id, latest item features and attributes. */
double rec_user_side(const struct rec_model *m, const char *id, size_t len,
		     float *q);
double rec_item_side(const struct rec_model *m, const char *id, size_t len,
		     uint32_t item, float *q);
/* The margin of a user and an item as top-k scores them. */
double rec_fm_margin_ids(const struct rec_model *m, const char *user,
			 size_t user_len, const char *item, size_t item_len);
/* The item side of a catalogue item as rows the model has. */
int rec_catalogue_item_feats(const struct rec_model *m, uint32_t item,
			     struct rec_kfeat *scratch, struct rec_feat *out);

/*
 * The factorization machine over feature lists (model.c): the query side
 * U and item side I of an event, each a list of rows and values.
 */
double rec_fm_margin(const struct rec_model *m, const struct rec_feat *u,
		     int nu, const struct rec_feat *i, int ni);
/* One side's factor sum into q (k floats); returns its linear part (and
 * with all interactions its own pairs). */
double rec_fm_side(const struct rec_model *m, const struct rec_feat *f, int n,
		   float *q);
/* Room for a step's gradients over n rows: 0 or REC_ENOMEM.  Made when
 * an event is made, so that a step itself never runs out of memory. */
int rec_model_grads_reserve(struct rec_model *m, size_t n);
/* A pointwise step (logistic or squared loss); count: the event is new. */
double rec_fm_learn(struct rec_model *m, const struct rec_feat *u, int nu,
		    const struct rec_feat *i, int ni, float label, float weight,
		    int count, double *margin, int freeze);
/* An implicit positive against negatives drawn from the catalogue. */
double rec_fm_learn_implicit(struct rec_model *m, const struct rec_feat *u,
			     int nu, const struct rec_feat *i, int ni,
			     uint32_t item, float weight, int count,
			     int freeze, double *pos_margin,
			     double *neg_margin);
double rec_fm_implicit_loss(const struct rec_model *m, struct rec_rng *rng,
			    const struct rec_feat *u, int nu,
			    const struct rec_feat *i, int ni, uint32_t item,
			    double *pos_margin, double *neg_margin);
/* Record an item in the catalogue (created if new); key is
 * rec_hash(REC_SPACE_ITEM, id, len). */
int rec_catalogue_note(struct rec_model *m, uint64_t key, const char *id,
		       size_t len, uint32_t feature, double time);

/* Forgetting users (model.c): remove the feature rows marked in drop
 * (one flag per row; a catalogue item's own row is reset to its initial
 * values instead, counted in *reset), and the catalogue items marked in
 * drop (to[i]: item i's new index, UINT32_MAX if removed; to holds the
 * catalogue's count).  The rest keep their order.  0, or REC_ENOMEM with
 * m as it was. */
int rec_model_drop_rows(struct rec_model *m, const unsigned char *drop,
			uint64_t *removed, uint64_t *reset);
int rec_catalogue_drop(struct rec_model *m, const unsigned char *drop,
		       uint32_t *to);
/* Remove the ids of a set from an attribute table (all of them: no table
 * left); *removed their count.  0, or REC_ENOMEM with t as it was. */
int rec_table_drop(struct rec_table *t, const rec_idset *ids,
		   uint64_t *removed);
/* EASE (ease.c): the users of a set out of the histories, and the items
 * no user has met then out of the catalogue; the fit is dropped (refit
 * with rec_ease_fit).  Their counts into *users and *items.  0, or
 * REC_ENOMEM with m as it was. */
int rec_ease_forget(struct rec_model *m, const rec_idset *ids,
		    uint64_t *users, uint64_t *items);

/* The catalogue index of an item id (compared byte for byte, not only by
 * hash), or UINT32_MAX. */
uint32_t rec_catalogue_find(const struct rec_model *m, const char *id,
			    size_t len);

/* What a learning step leaves as it is (rec_update's options, for one
 * run): the rows of users, of items. */
enum { REC_FREEZE_USERS = 1, REC_FREEZE_ITEMS = 2 };

/* Margin of an event given its feature rows (UINT32_MAX rows are absent). */
double rec_model_margin_rows(const struct rec_model *m, uint32_t user_row,
			     uint32_t item_row);
/* One learning step on a new event, which is counted for its features;
 * returns the event's loss before the step. */
double rec_model_learn(struct rec_model *m, uint32_t user_row,
		       uint32_t item_row, float label, float weight);
/* rec_model_learn, also giving the event's margin before the step. */
double rec_model_learn_scored(struct rec_model *m, uint32_t user_row,
			      uint32_t item_row, float label, float weight,
			      double *margin, int freeze);
/* rec_model_learn_scored without freezing, leaving a logistic loss to
 * the caller: 0 is returned and *exp_out set, from which
 * rec_logistic_loss(*margin, *exp_out, label, weight) is the loss
 * rec_model_learn_scored would have returned, to the bit.  Other losses
 * are returned as rec_model_learn_scored returns them. */
double rec_model_learn_deferred(struct rec_model *m, uint32_t user_row,
				uint32_t item_row, float label, float weight,
				double *margin, float *exp_out);
/* The logistic loss log(1 + exp(-|margin|)) + max(margin, 0) -
 * label * margin, times weight, from e = expf(-|margin|) as the learning
 * step computes it: one expression, wherever it is evaluated. */
static inline double rec_logistic_loss(double margin, float e, float label,
				       float weight)
{
	double loss = log1pf(e) + (margin > 0 ? margin : 0) - label * margin;
	return loss * weight;
}
/* Make the stamps forgetting keeps (if it is on and they are not there):
 * 0 or REC_ENOMEM, before anything else changes. */
int rec_model_forget_init(struct rec_model *m);
/* Let old evidence fade before a step at time now: the optimiser state of
 * the two rows and of the bias decays by 2^(-elapsed / half-life). */
int rec_model_forget(struct rec_model *m, uint32_t user_row,
		     uint32_t item_row, double now);
/* The same for every row of a feature list (the bias is not faded). */
int rec_model_forget_rows(struct rec_model *m, const struct rec_feat *f,
			  int n, double now);
/* An implicit positive: negatives sampled from the catalogue with rng and
 * learned against it (BPR pairs, or logistic with label 0).  count: the
 * event is new and is counted for its features.  Gives the margins of the
 * positive and of the first negative before the step (neg NAN-free: equal
 * to pos when no negative could be drawn).  Returns the mean loss. */
double rec_model_learn_implicit(struct rec_model *m, uint32_t user_row,
				uint32_t item_row, float weight, int count,
				int freeze, double *pos_margin,
				double *neg_margin);
/* Loss of an implicit positive against negatives drawn with rng, without
 * learning. */
double rec_model_implicit_loss(const struct rec_model *m, struct rec_rng *rng,
			       uint32_t user_row, uint32_t item_row,
			       double *pos_margin, double *neg_margin);
/* The same for an event already counted (later passes over the events). */
double rec_model_learn_again(struct rec_model *m, uint32_t user_row,
			     uint32_t item_row, float label, float weight);
double rec_loss(enum rec_loss loss, double margin, double label);
/* The loss of an event under the model's own loss. */
double rec_model_loss(const struct rec_model *m, double margin, double label);
/* Whether the model's scores rank two classes (logistic or implicit), so
 * that an AUC of them means something. */
int rec_model_scores_classes(const struct rec_model *m);

/*
 * One event as learning sees it (update.c): its two feature rows, label
 * and weight.  rec_update learns each as it comes; rec_train keeps them
 * all and learns them again at every pass.  A model with side features
 * keeps the event's two lists in an arena: at feats, the counts of the
 * query and item sides (in .row), then the lists (the ids first).
 */
struct rec_event {
	uint32_t user_row, item_row;
	float label, weight;
	uint32_t feats;		/* offset in the arena; features only */
	uint32_t item;		/* catalogue index; features only */
};
struct rec_arena {
	struct rec_feat *f;
	size_t n, cap;
};
int rec_arena_reserve(struct rec_arena *a, size_t more);
void rec_arena_free(struct rec_arena *a);
/* The event of a row: its feature rows (made if new), its item noted in
 * the catalogue; a model with side features appends the lists to arena.
 * 0, REC_ENOMEM or REC_EDATA (too many features). */
int rec_event_make(struct rec_model *m, const struct rec_row *row,
		   struct rec_event *e, struct rec_arena *arena,
		   struct rec_error *err);
/* One learning step on an event, whatever the task; count: the event is
 * new.  Gives the margins for a recent AUC: the event's, and for implicit
 * tasks a sampled negative's (label 0).  Returns the event's loss.
 * Inline: it is the hot loop of both training and updating. */
static inline double rec_event_learn(struct rec_model *m,
				     const struct rec_event *e,
				     const struct rec_arena *arena, int count,
				     int freeze, double *margin,
				     double *neg_margin)
{
	if (m->schema.active) {
		const struct rec_feat *f = arena->f + e->feats;
		int nu = (int)f[0].row, ni = (int)f[1].row;
		if (m->params.task == REC_TASK_IMPLICIT)
			return rec_fm_learn_implicit(m, f + 2, nu, f + 2 + nu,
						     ni, e->item, e->weight,
						     count, freeze, margin,
						     neg_margin);
		*neg_margin = 0;
		return rec_fm_learn(m, f + 2, nu, f + 2 + nu, ni, e->label,
				    e->weight, count, margin, freeze);
	}
	if (m->params.task == REC_TASK_IMPLICIT)
		return rec_model_learn_implicit(m, e->user_row, e->item_row,
						e->weight, count, freeze,
						margin, neg_margin);
	*neg_margin = 0;
	if (count)
		return rec_model_learn_scored(m, e->user_row, e->item_row,
					      e->label, e->weight, margin,
					      freeze);
	*margin = 0;
	return rec_model_learn_again(m, e->user_row, e->item_row, e->label,
				     e->weight);
}

/* One pass over a stream, as rec_update learns it with o all zero (no
 * window, no progress), read and learned by two threads when m->threads
 * asks for them and the model allows (update.c): the same model, bit for
 * bit.  rec_train_stream's pass. */
int rec_update_stream(rec_model *m, rec_reader *r, rec_bad_row_fn bad_row,
		      void *bad_arg, struct rec_error *err);

/* A row the reader passed whose features cannot be learned (err says why,
 * REC_EDATA): made a bad row of r's current line and given to bad_row.
 * 0 to go on without it, or bad_row's code. */
int rec_feature_bad_row(const rec_reader *r, rec_bad_row_fn bad_row,
			void *arg, struct rec_error *err);

/*
 * The paired bootstrap (bootstrap.c) with its work laid out otherwise,
 * for the tests: lanes resamples a pass (1 to REC_BOOTSTRAP_LANES), the
 * same d whatever the lanes.
 */
#define REC_BOOTSTRAP_LANES 16
int rec_paired_bootstrap_lanes(rec_paired *p, int resamples, uint64_t seed,
			       int lanes, struct rec_diff d[REC_DIFF_METRICS],
			       struct rec_error *err);
/* The count of row (0-based) in resample (0-based) with seed: a Poisson(1)
 * draw, 0 to 8. */
unsigned rec_bootstrap_count(uint64_t seed, int resample, size_t row);

/* Seconds since t0, on the monotonic clock, for progress reports. */
static inline double rec_seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

#endif
