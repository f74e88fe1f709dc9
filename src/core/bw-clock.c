// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-clock"

#include "config.h"

#include "bw-clock.h"

G_DEFINE_INTERFACE (BwClock, bw_clock, G_TYPE_OBJECT)

static void
bw_clock_default_init (BwClockInterface *iface)
{
}

/**
 * bw_clock_now:
 *
 * Returns: the wall-clock time, in microseconds since the epoch
 */
gint64
bw_clock_now (BwClock *self)
{
  g_return_val_if_fail (BW_IS_CLOCK (self), 0);
  return BW_CLOCK_GET_IFACE (self)->now (self);
}

/**
 * bw_clock_schedule:
 *
 * Calls @func once, at @at or as soon after as the clock allows.
 *
 * Returns: an id for bw_clock_unschedule()
 */
guint
bw_clock_schedule (BwClock     *self,
                   gint64       at,
                   GSourceFunc  func,
                   gpointer     data)
{
  g_return_val_if_fail (BW_IS_CLOCK (self), 0);
  return BW_CLOCK_GET_IFACE (self)->schedule (self, at, func, data);
}

/**
 * bw_clock_unschedule:
 *
 * Drops a call that has not run yet; 0 is ignored.
 */
void
bw_clock_unschedule (BwClock *self,
                     guint    id)
{
  g_return_if_fail (BW_IS_CLOCK (self));
  if (id != 0)
    BW_CLOCK_GET_IFACE (self)->unschedule (self, id);
}

struct _BwSystemClock
{
  GObject parent_instance;
};

static void bw_system_clock_iface_init (BwClockInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BwSystemClock, bw_system_clock, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BW_TYPE_CLOCK, bw_system_clock_iface_init))

static gint64
bw_system_clock_now (BwClock *clock)
{
  return g_get_real_time ();
}

static guint
bw_system_clock_schedule (BwClock     *clock,
                          gint64       at,
                          GSourceFunc  func,
                          gpointer     data)
{
  gint64 delay_ms = MAX (0, (at - g_get_real_time () + 999) / 1000);

  /* Whole seconds let GLib batch the wake-up with others; the monitor needs no more
   * precision than that. */
  if (delay_ms >= 1000)
    return g_timeout_add_seconds ((guint) MIN ((delay_ms + 999) / 1000, G_MAXUINT), func, data);
  return g_timeout_add ((guint) delay_ms, func, data);
}

static void
bw_system_clock_unschedule (BwClock *clock,
                            guint    id)
{
  g_source_remove (id);
}

static void
bw_system_clock_iface_init (BwClockInterface *iface)
{
  iface->now = bw_system_clock_now;
  iface->schedule = bw_system_clock_schedule;
  iface->unschedule = bw_system_clock_unschedule;
}

static void
bw_system_clock_class_init (BwSystemClockClass *klass)
{
}

static void
bw_system_clock_init (BwSystemClock *self)
{
}

/**
 * bw_system_clock_new:
 *
 * Returns: (transfer full): the real clock, on the thread-default main context
 */
BwClock *
bw_system_clock_new (void)
{
  return g_object_new (BW_TYPE_SYSTEM_CLOCK, NULL);
}
