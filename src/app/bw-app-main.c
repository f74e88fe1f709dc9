// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-app"

#include "config.h"

#include "bw-application.h"

int bw_app_main (int argc, char **argv);

/**
 * bw_app_main:
 *
 * The desktop module's entry point: `banwatch` with no arguments (or with GApplication's
 * own, such as --gapplication-service) loads this module and calls it, so that the
 * command line never pays for loading GTK.
 */
G_MODULE_EXPORT int
bw_app_main (int    argc,
             char **argv)
{
  g_autoptr(BwApplication) app = bw_application_new ();

  g_set_application_name ("Banwatch");
  gtk_window_set_default_icon_name (APP_ID);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
