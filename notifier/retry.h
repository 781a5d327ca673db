/*
 * retry.h — when to try a failed delivery again (retry.c). Pure functions
 * of the attempt count, the failure and a random number, so the outbox
 * can store next_attempt in SQLite and tests can check the schedule.
 */
#ifndef KOYOMI_RETRY_H
#define KOYOMI_RETRY_H

#include <stdint.h>
#include <time.h>

/*
 * scale multiplies every delay. It is 1.0 in production; integration
 * tests set $KOYOMI_TEST_RETRY_SCALE (read by the daemon, not here) to
 * something like 0.001 so a three-day schedule runs in seconds.
 */
struct retry_policy {
	double	 scale;
};

#define RETRY_ENDPOINT_DISABLE	(5L * 86400)	/* failing this long: disable */

enum retry_verdict {
	RETRY_AGAIN,		/* *next set */
	RETRY_DEAD,		/* give up: permanent failure or schedule spent */
};

/*
 * attempts is how many tries have failed so far, this one included (1
 * after the first failure). rnd is any 32-bit random number: the delay
 * gets ±10 % jitter from it so a recovering server is not hit by every
 * queued message in the same second. retry_after (seconds, -1 none) from
 * a 429/503 raises the delay to at least that much, up to a day.
 */
enum retry_verdict retry_next(const struct retry_policy *, int attempts,
		    int permanent, int retry_after, time_t now, uint32_t rnd,
		    time_t *next);
/* The base delay (no jitter, no scale) after the n-th failure, or -1. */
long		 retry_delay(int attempts);
/* 1 if an endpoint failing since failing_since should now be disabled. */
int		 retry_endpoint_expired(const struct retry_policy *,
		    time_t failing_since, time_t now);

#endif
