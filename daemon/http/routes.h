/*
 * routes.h — the handlers the route table (routes.c) names, by the file
 * that holds them. Nothing else calls them: requests reach them through
 * the router (http.c).
 */
#ifndef KOYOMI_HTTP_ROUTES_H
#define KOYOMI_HTTP_ROUTES_H

struct http_req;

/* routes.c */
void	route_healthz(struct http_req *, void *);
void	route_metrics(struct http_req *, void *);
/* api_cases.c */
void	api_cases(struct http_req *, void *);
void	api_case(struct http_req *, void *);
/* api_reload.c */
void	api_reload(struct http_req *, void *);
/* api_tasks.c */
void	api_tasks_list(struct http_req *, void *);
void	api_tasks_one(struct http_req *, void *);
void	api_occurrences(struct http_req *, void *);
/* clink.c */
void	clink_handler(struct http_req *, void *);
/* dashboard.c */
void	dash_index(struct http_req *, void *);
void	dash_org(struct http_req *, void *);
void	dash_meetings(struct http_req *, void *);
void	dash_outbox(struct http_req *, void *);
void	dash_reload(struct http_req *, void *);
void	dash_task_get(struct http_req *, void *);
void	dash_occ_get(struct http_req *, void *);
void	dash_task_post(struct http_req *, void *);
void	login_get(struct http_req *, void *);
void	login_post(struct http_req *, void *);
void	logout_post(struct http_req *, void *);
void	once_post(struct http_req *, void *);
void	once_get(struct http_req *, void *);
/* dash_http.c */
void	dash_nudge(struct http_req *, void *);
void	dash_bulk(struct http_req *, void *);
void	dash_annual(struct http_req *, void *);
/* feeds_http.c */
void	feeds_handler(struct http_req *, void *);
/* inbox_http.c */
void	inbox_page(struct http_req *, void *);
void	inbox_message_post(struct http_req *, void *);
void	inbox_file_get(struct http_req *, void *);
void	inbox_zip_get(struct http_req *, void *);
/* outbox_http.c */
void	outbox_api(struct http_req *, void *);

#endif
