/*
 * server.h — the daemon (server.c): config, store, loop, HTTP, rules and
 * the feature modules (modules.c), run until SIGTERM or SIGINT.
 */
#ifndef KOYOMI_SERVER_H
#define KOYOMI_SERVER_H

/*
 * Runs the daemon with the configuration at conf_path; print_urls prints
 * the feed and dashboard URLs once ready. The exit status: 0 after a
 * clean stop, 1 when it could not start (logged).
 */
int	server_run(const char *conf_path, int print_urls);

#endif
