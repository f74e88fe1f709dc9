// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-app"

#include "config.h"

#include <malloc.h>

#include "core/bw-paths.h"
#include "bw-app-main.h"
#include "bw-application.h"
#include "bw-notifier.h"

/**
 * bw_app_main:
 *
 * The tray app: `banwatch` with no arguments (or with GApplication's own, such as
 * --gapplication-service) executes `banwatch-app`, which calls this. When that
 * executable is missing, `banwatch` loads the desktop module and calls it in-process.
 */
G_MODULE_EXPORT int
bw_app_main (int    argc,
             char **argv)
{
  g_autoptr(BwApplication) app = NULL;

  /* Before any thread exists: probes and D-Bus run on worker threads, and a malloc arena
   * per thread would stay dirty all day in an app that idles for hours. */
  mallopt (M_ARENA_MAX, 2);
  bw_paths_forget_slice_env ();
  app = bw_application_new ();

  g_set_application_name ("Banwatch");
  gtk_window_set_default_icon_name (APP_ID);
  return g_application_run (G_APPLICATION (app), argc, argv);
}

/**
 * bw_app_watch_notifier_new:
 *
 * For the headless `banwatch watch`: desktop notifications through the same notifier
 * the app uses, when the session has a notification server.
 *
 * Returns: (transfer full) (nullable): a #BwNotifier, or %NULL without a server
 */
G_MODULE_EXPORT GObject *
bw_app_watch_notifier_new (BwMonitor *monitor)
{
  BwNotifier *notifier = bw_notifier_new_for_monitor (monitor, NULL);

  if (!bw_notifier_is_available (notifier))
    {
      g_object_unref (notifier);
      return NULL;
    }
  return G_OBJECT (notifier);
}

/**
 * bw_app_watch_notify:
 *
 * Shows @event's notification if one is due.
 */
G_MODULE_EXPORT void
bw_app_watch_notify (GObject              *notifier,
                     const BwMonitorEvent *event)
{
  bw_notifier_handle_event (BW_NOTIFIER (notifier), event);
}
