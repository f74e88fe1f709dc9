// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "bw-site.h"

G_BEGIN_DECLS

#define BW_SITES_FORMAT "banwatch-sites"
#define BW_SITES_VERSION 1

/**
 * BwImportProblem:
 *
 * One bad entry of an imported file: its 1-based index, its name if it had one, and why.
 */
typedef struct {
  guint  index;
  char  *name;
  char  *message;
} BwImportProblem;

BwImportProblem *bw_import_problem_new (guint       index,
                                        const char *name,
                                        const char *message);
void       bw_import_problem_free (BwImportProblem *problem);
char      *bw_sites_export        (GPtrArray        *sites);
GPtrArray *bw_sites_import_parse  (const char       *data,
                                   gsize             length,
                                   GArray          **out_indices,
                                   GPtrArray       **out_problems,
                                   GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwImportProblem, bw_import_problem_free)

G_END_DECLS
