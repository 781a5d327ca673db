/*
 * log.h — one line per event on stderr, for journald. With $JOURNAL_STREAM
 * set, lines carry the <N> priority prefix sd-daemon(3) describes.
 * Never pass a secret, token or completion link to these functions.
 */
#ifndef KOYOMI_LOG_H
#define KOYOMI_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void	log_init(int verbose);		/* reads $JOURNAL_STREAM */
void	log_set_quiet(int);		/* tests: only errors */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
