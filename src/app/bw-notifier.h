// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_NOTIFIER (bw_notifier_get_type ())

G_DECLARE_FINAL_TYPE (BwNotifier, bw_notifier, BW, NOTIFIER, GObject)

BwNotifier *bw_notifier_new          (BwApplication        *app);
BwNotifier *bw_notifier_new_for_monitor (BwMonitor        *monitor,
                                         BwApplication    *app);
gboolean    bw_notifier_is_available (BwNotifier           *self);
void        bw_notifier_handle_event (BwNotifier           *self,
                                      const BwMonitorEvent *event);
void        bw_notifier_show_error   (BwNotifier           *self,
                                      const char           *summary,
                                      const char           *body);

G_END_DECLS
