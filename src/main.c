// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "banwatch"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cli/bw-cli.h"

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* An uninstalled build shows its own catalogs when pointed at them. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BANWATCH_LOCALEDIR") != NULL ? g_getenv ("BANWATCH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return bw_cli_run (argc, argv);
}
