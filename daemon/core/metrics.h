/*
 * metrics.h — /metrics in the Prometheus text format. Modules register an
 * emitter that appends their own families (# HELP, # TYPE, samples).
 */
#ifndef KOYOMI_METRICS_H
#define KOYOMI_METRICS_H

#include "calendars/util.h"

struct koyomi;

typedef void	(*metrics_emit_fn)(struct koyomi *, struct buf *, void *);

struct metrics	*metrics_start(struct koyomi *);
void		 metrics_stop(struct metrics *);
void		 metrics_register(struct koyomi *, metrics_emit_fn, void *);
/* Removes an emitter whose arg is about to be freed (a module stopped). */
void		 metrics_unregister(struct koyomi *, metrics_emit_fn, void *);
void		 metrics_render(struct koyomi *, struct buf *);
/* Reload bookkeeping, kept here so /metrics has one owner. */
void		 metrics_reload(struct koyomi *, int ok, unsigned nerrors);

#endif
