// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "banwatch"

#include "config.h"

#include "app/bw-app-main.h"
#include "core/bw-paths.h"

/* The tray app's own executable, started by `banwatch` with no command (or GApplication's
 * options). It does not link libssh: probes run in `banwatch probe` children. */
int
main (int    argc,
      char **argv)
{
  bw_paths_init_gettext ();
  return bw_app_main (argc, argv);
}
