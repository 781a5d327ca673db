/*
 * store_util.c — row-reading helpers shared by the store files
 * (store_util.h).
 */
#include <sqlite3.h>

#include "calendars/util.h"
#include "daemon/store/store_util.h"

char *
store_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char	*s = sqlite3_column_text(st, col);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}
