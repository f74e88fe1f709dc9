// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_MAINTENANCE_DIALOG (bw_maintenance_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BwMaintenanceDialog, bw_maintenance_dialog, BW, MAINTENANCE_DIALOG, GtkDialog)

GtkWidget *bw_maintenance_dialog_new (BwApplication *app);

G_END_DECLS
