// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "core/bw-monitor.h"

G_BEGIN_DECLS

int      bw_app_main               (int                   argc,
                                    char                **argv);
GObject *bw_app_watch_notifier_new (BwMonitor            *monitor);
void     bw_app_watch_notify       (GObject              *notifier,
                                    const BwMonitorEvent *event);

G_END_DECLS
