// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BW_TYPE_CLOCK (bw_clock_get_type ())

G_DECLARE_INTERFACE (BwClock, bw_clock, BW, CLOCK, GObject)

/**
 * BwClockInterface:
 * @now: wall-clock time in microseconds since the epoch
 * @schedule: calls @func once at @at (wall clock); returns an id for @unschedule
 * @unschedule: drops a scheduled call that has not run yet
 *
 * The monitor's only source of time, so that tests can drive it with a fake clock.
 */
struct _BwClockInterface
{
  GTypeInterface parent_iface;

  gint64 (*now)        (BwClock        *self);
  guint  (*schedule)   (BwClock        *self,
                        gint64          at,
                        GSourceFunc     func,
                        gpointer        data);
  void   (*unschedule) (BwClock        *self,
                        guint           id);
};

gint64   bw_clock_now        (BwClock     *self);
guint    bw_clock_schedule   (BwClock     *self,
                              gint64       at,
                              GSourceFunc  func,
                              gpointer     data);
void     bw_clock_unschedule (BwClock     *self,
                              guint        id);

#define BW_TYPE_SYSTEM_CLOCK (bw_system_clock_get_type ())

G_DECLARE_FINAL_TYPE (BwSystemClock, bw_system_clock, BW, SYSTEM_CLOCK, GObject)

BwClock *bw_system_clock_new (void);

G_END_DECLS
