/*
 * chase_http.h — the HTTP side of completion tracking, registered by the
 * chase module at start:
 *   api_tasks.c   GET /api/v1/tasks[/ID], POST /api/v1/tasks/ID/ACTION,
 *                 GET /api/v1/occurrences, /api/v1/cases…
 *   clink.c       GET/POST /c/LINK (mail completion links)
 *   dashboard.c   GET / and the dashboard pages, login, sessions, CSV
 */
#ifndef KOYOMI_CHASE_HTTP_H
#define KOYOMI_CHASE_HTTP_H

struct koyomi;

int	chase_http_start(struct koyomi *, char **cause);	/* all three */
void	api_tasks_routes(struct koyomi *);
void	api_cases_routes(struct koyomi *);
void	clink_routes(struct koyomi *);
void	dashboard_routes(struct koyomi *);

#endif
