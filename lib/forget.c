/*
 * forget.c - users taken out of a model (rec-update --forget-users).
 *
 * EASE keeps each user's history and nothing else of the user: without
 * it, and with the items nobody else met, the refit is the model of the
 * other users' events.  The factorization machine keeps a row for each
 * hashed user id and the user's attributes; those go.  What the user's
 * events taught the shared rows (items, the bias, side features) stays:
 * only training again without them takes that out.
 */
#include "internal.h"

int rec_model_knows_user(const rec_model *m, const char *id, size_t len)
{
	size_t at;
	if (m->ease)
		return rec_ease_user(m, id, len, &at);
	if (rec_model_find(m, rec_feature_key(m, REC_SPACE_USER, id,
					      len)) != UINT32_MAX)
		return 1;
	const rec_idset *table = m->schema.tables[REC_USERS].ids;
	return table && rec_idset_find(table, id, len, &at);
}

int rec_model_forget_users(rec_model *m, const rec_idset *users,
			   struct rec_forget_stats *st, struct rec_error *err)
{
	memset(st, 0, sizeof(*st));
	const size_t n = rec_idset_size(users);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(users, i, &len);
		st->users += (uint64_t)rec_model_knows_user(m, id, len);
	}
	if (st->users == 0)
		return 0;
	if (m->ease) {
		uint64_t gone;
		if (rec_ease_forget(m, users, &gone, &st->items) != 0)
			return rec_fail(err, REC_ENOMEM, NULL, 0,
					"out of memory");
		return rec_ease_fit(m, err);
	}
	unsigned char *drop = rec_calloc(m->features ? m->features : 1, 1);
	if (!drop)
		return rec_fail(err, REC_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = rec_idset_id(users, i, &len);
		uint32_t row = rec_model_find(m, rec_feature_key(m,
					REC_SPACE_USER, id, len));
		if (row != UINT32_MAX)
			drop[row] = 1;
	}
	int rc = rec_model_drop_rows(m, drop, &st->rows, &st->rows_reset);
	rec_free(drop);
	if (!rc)
		rc = rec_table_drop(&m->schema.tables[REC_USERS], users,
				    &st->table_rows);
	return rc ? rec_fail(err, rc, NULL, 0, "out of memory") : 0;
}
