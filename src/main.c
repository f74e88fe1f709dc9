// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "banwatch"

#include "config.h"

#include "cli/bw-cli.h"
#include "core/bw-paths.h"

int
main (int    argc,
      char **argv)
{
  bw_paths_init_gettext ();
  return bw_cli_run (argc, argv);
}
