// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_EXPLAIN_DIALOG (bw_explain_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BwExplainDialog, bw_explain_dialog, BW, EXPLAIN_DIALOG, GtkDialog)

GtkWidget *bw_explain_dialog_new (BwApplication *app,
                                  BwSite        *site);

G_END_DECLS
