// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-paths"

#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "bw-paths.h"

/**
 * bw_paths_find_installed_file:
 * @name: a file Banwatch installs: "banwatch", "banwatch-app", "libbanwatch-app.so"
 * @installed_dir: where it is installed
 *
 * Banwatch's executables and module find each other here. In the build tree they sit
 * next to one another, so a file beside this process's executable wins; otherwise the
 * installed one is used.
 *
 * Returns: (transfer full): the path to use
 */
char *
bw_paths_find_installed_file (const char *name,
                              const char *installed_dir)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *beside = dir != NULL ? g_build_filename (dir, name, NULL) : NULL;

  if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&beside);
  return g_build_filename (installed_dir, name, NULL);
}

/**
 * bw_paths_init_gettext:
 *
 * The locale and Banwatch's message catalogs, for both executables. An uninstalled build
 * shows its own catalogs when `BANWATCH_LOCALEDIR` points at them.
 */
void
bw_paths_init_gettext (void)
{
  const char *localedir = g_getenv ("BANWATCH_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/**
 * bw_paths_forget_slice_env:
 *
 * In a process `banwatch` executed with G_SLICE set (see start_app() in cli/bw-cli.c):
 * GLib has read it by now, so it and its marker are unset and children do not inherit
 * them. A G_SLICE the user set (no marker) is kept.
 */
void
bw_paths_forget_slice_env (void)
{
  if (g_getenv (BW_SLICE_MARKER) == NULL)
    return;
  g_unsetenv ("G_SLICE");
  g_unsetenv (BW_SLICE_MARKER);
}
