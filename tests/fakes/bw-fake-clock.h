// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/bw-clock.h"

G_BEGIN_DECLS

#define BW_TYPE_FAKE_CLOCK (bw_fake_clock_get_type ())

G_DECLARE_FINAL_TYPE (BwFakeClock, bw_fake_clock, BW, FAKE_CLOCK, GObject)

BwFakeClock *bw_fake_clock_new       (gint64       start);
gint64       bw_fake_clock_next_due  (BwFakeClock *self);
gboolean     bw_fake_clock_fire_next (BwFakeClock *self,
                                      gint64       limit);
void         bw_fake_clock_set       (BwFakeClock *self,
                                      gint64       t);
guint        bw_fake_clock_pending   (BwFakeClock *self);

G_END_DECLS
