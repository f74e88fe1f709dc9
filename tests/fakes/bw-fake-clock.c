// SPDX-License-Identifier: GPL-3.0-or-later
/* A clock that moves only when the test says so. */
#include "config.h"

#include "bw-fake-clock.h"

typedef struct {
  guint        id;
  gint64       at;
  GSourceFunc  func;
  gpointer     data;
} Timer;

struct _BwFakeClock
{
  GObject  parent_instance;
  gint64   now;
  GList   *timers;   /* Timer*, sorted by time */
  guint    next_id;
};

static void bw_fake_clock_iface_init (BwClockInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BwFakeClock, bw_fake_clock, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BW_TYPE_CLOCK, bw_fake_clock_iface_init))

static gint64
fake_now (BwClock *clock)
{
  return BW_FAKE_CLOCK (clock)->now;
}

static int
compare_timers (gconstpointer a,
                gconstpointer b)
{
  const Timer *x = a;
  const Timer *y = b;

  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->id < y->id ? -1 : 1;
}

static guint
fake_schedule (BwClock     *clock,
               gint64       at,
               GSourceFunc  func,
               gpointer     data)
{
  BwFakeClock *self = BW_FAKE_CLOCK (clock);
  Timer *timer = g_new0 (Timer, 1);

  timer->id = ++self->next_id;
  timer->at = at;
  timer->func = func;
  timer->data = data;
  self->timers = g_list_insert_sorted (self->timers, timer, compare_timers);
  return timer->id;
}

static void
fake_unschedule (BwClock *clock,
                 guint    id)
{
  BwFakeClock *self = BW_FAKE_CLOCK (clock);

  for (GList *l = self->timers; l != NULL; l = l->next)
    {
      Timer *timer = l->data;
      if (timer->id == id)
        {
          self->timers = g_list_delete_link (self->timers, l);
          g_free (timer);
          return;
        }
    }
}

static void
bw_fake_clock_iface_init (BwClockInterface *iface)
{
  iface->now = fake_now;
  iface->schedule = fake_schedule;
  iface->unschedule = fake_unschedule;
}

static void
bw_fake_clock_finalize (GObject *object)
{
  BwFakeClock *self = BW_FAKE_CLOCK (object);

  g_list_free_full (self->timers, g_free);
  G_OBJECT_CLASS (bw_fake_clock_parent_class)->finalize (object);
}

static void
bw_fake_clock_class_init (BwFakeClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bw_fake_clock_finalize;
}

static void
bw_fake_clock_init (BwFakeClock *self)
{
}

BwFakeClock *
bw_fake_clock_new (gint64 start)
{
  BwFakeClock *self = g_object_new (BW_TYPE_FAKE_CLOCK, NULL);

  self->now = start;
  return self;
}

gint64
bw_fake_clock_next_due (BwFakeClock *self)
{
  return self->timers != NULL ? ((Timer *) self->timers->data)->at : G_MAXINT64;
}

/* Moves time to the next timer (if it is due by @limit) and runs it. */
gboolean
bw_fake_clock_fire_next (BwFakeClock *self,
                         gint64       limit)
{
  Timer *timer;

  if (self->timers == NULL || ((Timer *) self->timers->data)->at > limit)
    return FALSE;

  timer = self->timers->data;
  self->timers = g_list_delete_link (self->timers, self->timers);
  self->now = MAX (self->now, timer->at);
  timer->func (timer->data);
  g_free (timer);
  return TRUE;
}

void
bw_fake_clock_set (BwFakeClock *self,
                   gint64       t)
{
  self->now = MAX (self->now, t);
}

guint
bw_fake_clock_pending (BwFakeClock *self)
{
  return g_list_length (self->timers);
}
