/*
 * retry.c — the backoff schedule of design.md §8: Svix's 5 s, 5 min,
 * 30 min, 2 h, 5 h, then 10 h steps, carried on until about three days
 * (77 h 35 min, close to Standard Webhooks' 75 h example), then dead.
 */
#include "notifier/retry.h"

#include "calendars/util.h"

/* Seconds to wait after the n-th failure (index n - 1). */
static const long retry_schedule[] = {
	5L, 5L * 60, 30L * 60, 2L * 3600, 5L * 3600,
	10L * 3600, 10L * 3600, 10L * 3600, 10L * 3600, 10L * 3600,
	10L * 3600, 10L * 3600,
};

long
retry_delay(int attempts)
{
	if (attempts < 1 || (size_t)attempts > nitems(retry_schedule))
		return -1;
	return retry_schedule[attempts - 1];
}

enum retry_verdict
retry_next(const struct retry_policy *p, int attempts, int permanent,
    int retry_after, time_t now, uint32_t rnd, time_t *next)
{
	double	d, jitter;
	long	base;

	if (permanent || (base = retry_delay(attempts)) == -1)
		return RETRY_DEAD;
	/* rnd mapped onto [-0.1, +0.1]. */
	jitter = ((double)rnd / 4294967295.0 - 0.5) * 0.2;
	d = (double)base * (1.0 + jitter) * (p != NULL ? p->scale : 1.0);
	if (retry_after > 0)
		d = d < retry_after ? (retry_after > 86400 ? 86400 : retry_after)
		    : d;
	*next = now + (time_t)(d + 0.5);
	return RETRY_AGAIN;
}

int
retry_endpoint_expired(const struct retry_policy *p, time_t failing_since,
    time_t now)
{
	double	limit = RETRY_ENDPOINT_DISABLE * (p != NULL ? p->scale : 1.0);

	return failing_since > 0 && (double)(now - failing_since) >= limit;
}
