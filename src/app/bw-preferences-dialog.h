// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BW_TYPE_PREFERENCES_DIALOG (bw_preferences_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BwPreferencesDialog, bw_preferences_dialog, BW, PREFERENCES_DIALOG, GtkDialog)

GtkWidget *bw_preferences_dialog_new (GSettings *settings);

G_END_DECLS
