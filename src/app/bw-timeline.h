// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BW_TYPE_TIMELINE (bw_timeline_get_type ())

G_DECLARE_FINAL_TYPE (BwTimeline, bw_timeline, BW, TIMELINE, GtkDrawingArea)

GtkWidget *bw_timeline_new          (void);
void       bw_timeline_set_episodes (BwTimeline *self,
                                     GPtrArray  *episodes,
                                     gint64      now);
guint      bw_timeline_get_n_episodes (BwTimeline *self);

G_END_DECLS
