// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_IMPORT_DIALOG (bw_import_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BwImportDialog, bw_import_dialog, BW, IMPORT_DIALOG, GtkDialog)

GtkWidget *bw_import_dialog_new (BwApplication *app,
                                 const char    *path);

G_END_DECLS
