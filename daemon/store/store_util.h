/*
 * store_util.h — small helpers for reading SQLite rows (store_util.c),
 * shared by the store_*.c files. No I/O of their own; they only read the
 * statement's current row.
 */
#ifndef KOYOMI_STORE_UTIL_H
#define KOYOMI_STORE_UTIL_H

#include <sqlite3.h>

/*
 * Column col of the current row as a string the caller owns and frees;
 * NULL when the column is SQL NULL.
 */
char	*store_col_dup(sqlite3_stmt *, int col);

#endif
