/*
 * util.h — the bottom layer shared by every module: allocation that never
 * returns NULL (out of memory is fatal, as in tmux's xmalloc), a growable
 * byte buffer, and small string helpers. Nothing here blocks or logs.
 */
#ifndef KOYOMI_UTIL_H
#define KOYOMI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
/* qsort(3) that accepts an empty array at NULL (C leaves that undefined). */
void	 xqsort(void *, size_t, size_t, int (*)(const void *, const void *));
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/* A growable buffer of bytes, always NUL-terminated after len. */
struct buf {
	char	*data;	/* owned; NULL until the first append */
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);		/* len = 0, keeps memory */
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*buf_steal(struct buf *);		/* caller frees; buf is reset */

/*
 * Appends s as a JSON string literal (RFC 8259); NULL → null. Quotes,
 * backslashes, control characters and DEL are escaped, U+2028/U+2029
 * too (so the output is also valid JavaScript), and each byte that is
 * not part of valid UTF-8 becomes U+FFFD instead of breaking the
 * document. Every JSON writer in koyomi uses this one.
 */
void	 buf_json_string(struct buf *, const char *);

/* 1 if s is valid UTF-8 (no overlongs, no surrogates), else 0. */
int	 utf8_valid(const char *, size_t);
/* Length of the UTF-8 sequence starting at s (1..4), 1 on a bad byte. */
size_t	 utf8_seqlen(const unsigned char *);


/* Lowercase hex of n bytes into out (2n+1 bytes). */
void	 hex_encode(const unsigned char *, size_t, char *);

#endif
