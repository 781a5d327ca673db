/*
 * modules.h — the daemon's feature modules, started in table order after
 * the core (store, loop, HTTP, scheduler, first rules load) and stopped
 * in reverse. A module registers its routes, hooks, metrics and timers in
 * start; start failing is fatal with its cause.
 */
#ifndef KOYOMI_MODULES_H
#define KOYOMI_MODULES_H

struct koyomi;

struct module {
	const char	*name;
	int		(*start)(struct koyomi *, char **cause);
	void		(*stop)(struct koyomi *);
};

extern const struct module	koyomi_modules[];
extern const unsigned		koyomi_nmodules;

#endif
