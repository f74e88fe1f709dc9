// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *bw_paths_find_installed_file (const char *name,
                                    const char *installed_dir);
void  bw_paths_init_gettext        (void);
void  bw_paths_forget_slice_env    (void);

/* The environment variable `banwatch` sets beside G_SLICE when it set G_SLICE itself. */
#define BW_SLICE_MARKER "BANWATCH_SET_G_SLICE"

G_END_DECLS
