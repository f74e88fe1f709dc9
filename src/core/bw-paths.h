// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *bw_paths_find_installed_file (const char *name,
                                    const char *installed_dir);
void  bw_paths_init_gettext        (void);

G_END_DECLS
