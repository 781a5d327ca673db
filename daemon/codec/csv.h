/*
 * csv.h — CSV for Excel (csv.c): UTF-8 with a byte-order mark, CRLF
 * line ends, RFC 4180 quoting. Text cells that a spreadsheet would run
 * as a formula (starting with = + - @ or a tab/CR) get a leading
 * apostrophe, because titles come from rule files and must stay text.
 * Pure: appends to a struct buf.
 */
#ifndef KOYOMI_CSV_H
#define KOYOMI_CSV_H

#include "calendars/util.h"

struct csv {
	struct buf	*out;		/* borrowed */
	int		 ncells;	/* cells in the current row */
};

/* Starts a document: writes the BOM. */
void	csv_begin(struct csv *, struct buf *);
/* One text cell (NULL is an empty cell). */
void	csv_cell(struct csv *, const char *);
/* One number cell, never prefixed. */
void	csv_num(struct csv *, long long);
/* Ends the row with CRLF. */
void	csv_end_row(struct csv *);
/* A whole row of text cells. */
void	csv_row(struct csv *, const char *const *, int);

#endif
