/*
 * ics.h — RFC 5545 rendering of one VCALENDAR from plain event records.
 *
 * Pure: takes structs, appends bytes to a buffer. Built on libical for the
 * components and properties; koyomi writes the Asia/Tokyo VTIMEZONE
 * itself (libical 3.0 would add a vendor TZID prefix) and folds lines at
 * 75 octets without splitting a UTF-8 character. Output uses CRLF and is
 * byte-identical for identical input (no clock is read: DTSTAMP comes from
 * the caller).
 */
#ifndef KOYOMI_ICS_H
#define KOYOMI_ICS_H

#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"

enum ics_status { ICS_CONFIRMED, ICS_TENTATIVE, ICS_CANCELLED };

struct ics_event {
	const char	*uid;
	int		 sequence;
	time_t		 dtstamp;	/* UTC; stable per revision */
	const char	*summary;
	const char	*description;	/* may be NULL */
	const char	*location;	/* may be NULL */
	const char	*url;		/* may be NULL */
	const char	*categories;	/* comma-separated, may be NULL */
	enum ics_status	 status;
	int		 allday;
	cal_day		 start, end;	/* inclusive days */
	int		 start_secs;	/* local, when !allday */
	int		 end_secs;	/* -1 = no DTEND (a point in time) */
	int		 transparent;	/* TRANSP:TRANSPARENT for an all-day
					   event even when confirmed (a
					   deadline is not busy time) */
};

struct ics_calendar {
	const char	*name;		/* X-WR-CALNAME */
	const char	*tzid;		/* "Asia/Tokyo" */
	const char	*refresh;	/* "PT6H": REFRESH-INTERVAL, X-PUBLISHED-TTL */
	const char	*alarm;		/* VALARM trigger like "-P1D", or NULL */
};

/* Appends one VCALENDAR with the events in the order given. 0 or -1. */
int	ics_render(const struct ics_calendar *, const struct ics_event *,
	    size_t n, struct buf *out, char **cause);

/* Appends "NAME:VALUE\r\n" (value escaped as TEXT when escape), folded. */
void	ics_fold_line(struct buf *, const char *line, size_t len);
void	ics_escape_text(struct buf *, const char *);

#endif
