/*
 * sdnotify.h — the systemd notify protocol (libsystemd's sd_notify):
 * READY=1 after the first good load, RELOADING=1 + MONOTONIC_USEC and
 * READY=1 around reloads, STOPPING=1, and WATCHDOG=1 from the loop at
 * half of $WATCHDOG_USEC. Harmless without $NOTIFY_SOCKET.
 */
#ifndef KOYOMI_SDNOTIFY_H
#define KOYOMI_SDNOTIFY_H

struct koyomi;

void	sdn_ready(void);
void	sdn_reloading(void);
void	sdn_stopping(void);
void	sdn_status(const char *);
/* Starts the watchdog timer when the manager asked for one. */
void	sdn_watchdog_start(struct koyomi *);
void	sdn_watchdog_stop(struct koyomi *);

#endif
