/*
 * yaml.h — a small YAML document tree built from libyaml events, internal
 * to rules/. Only what rule files need: mappings with text keys,
 * sequences and scalars, each with its 1-based line:col. Anchors,
 * aliases, tags and multiple documents are refused outright, which also
 * rules out alias bombs; size and depth are bounded before any work.
 */
#ifndef KOYOMI_RULES_YAML_H
#define KOYOMI_RULES_YAML_H

#include <stddef.h>

#include "rules/model.h"

#define YAML_MAX_SIZE	((size_t)4 * 1024 * 1024)	/* bytes per file */
#define YAML_MAX_DEPTH	64			/* nested collections */

enum ynode_type { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_type		 type;
	struct rules_mark	 mark;
	char			*str;	/* scalar text, NUL-terminated */
	size_t			 len;
	int			 plain;	/* unquoted scalar: null/true apply */
	struct ynode		**kids;	/* seq: items; map: key, value, … */
	size_t			 n;	/* number of kids */
};

/* Report callback: errors found while building the tree. */
typedef void (*ynode_err_fn)(void *arg, struct rules_mark,
    const char *msg);

/*
 * Parses one file held in memory. Returns the root node (NULL for an
 * empty document is an error too) or NULL after calling err at least
 * once. The caller frees the tree with ynode_free.
 */
struct ynode	*ynode_parse(const char *buf, size_t len, ynode_err_fn err,
		    void *arg);
void		 ynode_free(struct ynode *);

/* The value of key k in map m, or NULL; key node in *keyp if wanted. */
struct ynode	*ynode_get(const struct ynode *m, const char *k,
		    struct ynode **keyp);
/* 1 for an unquoted null, ~ or empty plain scalar. */
int		 ynode_is_null(const struct ynode *);
const char	*ynode_type_name(const struct ynode *);

#endif
