// SPDX-License-Identifier: GPL-3.0-or-later
/* A prober that answers from a table and counts what it was asked to do, including how
 * many probes ran at once, overall and per address. Answers arrive on the next idle. */
#include "config.h"

#include "bw-fake-prober.h"

typedef struct {
  BwObservation observation;
  gboolean      web_answers;
} Outcome;

struct _BwFakeProber
{
  GObject     parent_instance;
  GHashTable *addresses;   /* host → address */
  GHashTable *outcomes;    /* address → Outcome */
  GHashTable *counts;      /* address → count */
  GHashTable *in_flight;   /* address → count */
  guint       total;
  guint       web_checks;
  guint       running;
  guint       max_running;
  guint       max_per_address;
  char       *last_site;
  BwClock    *clock;       /* borrowed */
  GHashTable *times;       /* address → GArray of gint64 probe start times */
};

static void bw_fake_prober_iface_init (BwProberInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BwFakeProber, bw_fake_prober, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BW_TYPE_PROBER, bw_fake_prober_iface_init))

static void
fake_resolve_async (BwProber *prober, const char *host, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  BwFakeProber *self = BW_FAKE_PROBER (prober);
  g_autoptr(GTask) task = g_task_new (prober, cancellable, callback, user_data);
  const char *address = g_hash_table_lookup (self->addresses, host);

  if (address != NULL)
    g_task_return_pointer (task, g_strdup (address), g_free);
  else
    g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no such host %s", host);
}

static char *
fake_resolve_finish (BwProber *prober, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  BwFakeProber  *self;
  GTask         *task;
  char          *address;
  BwProbeResult *result;
} Pending;

static gboolean
complete_probe (gpointer data)
{
  Pending *p = data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (p->self->in_flight, p->address));

  g_hash_table_insert (p->self->in_flight, g_strdup (p->address), GUINT_TO_POINTER (n - 1));
  p->self->running--;
  g_task_return_pointer (p->task, p->result, (GDestroyNotify) bw_probe_result_unref);
  g_object_unref (p->task);
  g_free (p->address);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
fake_probe_async (BwProber *prober, BwSite *site, const char *address, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  BwFakeProber *self = BW_FAKE_PROBER (prober);
  Pending *p = g_new0 (Pending, 1);
  Outcome *outcome = address != NULL ? g_hash_table_lookup (self->outcomes, address) : NULL;
  BwObservation observation = outcome != NULL ? outcome->observation
                              : address == NULL ? BW_OBSERVATION_DNS_FAILED : BW_OBSERVATION_OK;
  const char *key = address != NULL ? address : "(unresolved)";
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->in_flight, key)) + 1;

  g_hash_table_insert (self->in_flight, g_strdup (key), GUINT_TO_POINTER (n));
  g_hash_table_insert (self->counts, g_strdup (key),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key)) + 1));
  self->max_per_address = MAX (self->max_per_address, n);
  self->running++;
  self->max_running = MAX (self->max_running, self->running);
  self->total++;
  if (self->clock != NULL)
    {
      GArray *times = g_hash_table_lookup (self->times, key);
      gint64 t = bw_clock_now (self->clock);

      if (times == NULL)
        {
          times = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (self->times, g_strdup (key), times);
        }
      g_array_append_val (times, t);
    }
  g_free (self->last_site);
  self->last_site = g_strdup (bw_site_get_name (site));

  p->self = self;
  p->task = g_task_new (prober, cancellable, callback, user_data);
  p->address = g_strdup (key);
  p->result = bw_probe_result_new ();
  p->result->host = g_strdup (bw_site_get_host (site));
  p->result->port = (guint16) bw_site_get_port (site);
  p->result->user = g_strdup (bw_site_get_user (site));
  p->result->address = g_strdup (address);
  bw_probe_result_set_outcome (p->result, observation, BW_PHASE_DONE, NULL, "fake %s",
                               bw_observation_to_string (observation));
  g_idle_add (complete_probe, p);
}

static BwProbeResult *
fake_probe_finish (BwProber *prober, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
fake_web_check_async (BwProber *prober, const char *address, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  BwFakeProber *self = BW_FAKE_PROBER (prober);
  g_autoptr(GTask) task = g_task_new (prober, cancellable, callback, user_data);
  Outcome *outcome = g_hash_table_lookup (self->outcomes, address);

  self->web_checks++;
  g_task_return_boolean (task, outcome != NULL && outcome->web_answers);
}

static gboolean
fake_web_check_finish (BwProber *prober, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Like the real one: a site without a key, or with a key path under /broken/, fails the
 * local checks. */
static gboolean
fake_check_site (BwProber *prober, BwSite *site, GError **error)
{
  const char *key = bw_site_get_key_path (site);

  if (key == NULL || g_str_has_prefix (key, "/broken/"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "fake: no usable key for %s", bw_site_get_name (site));
      return FALSE;
    }
  return TRUE;
}

static void
bw_fake_prober_iface_init (BwProberInterface *iface)
{
  iface->check_site = fake_check_site;
  iface->resolve_async = fake_resolve_async;
  iface->resolve_finish = fake_resolve_finish;
  iface->probe_async = fake_probe_async;
  iface->probe_finish = fake_probe_finish;
  iface->web_check_async = fake_web_check_async;
  iface->web_check_finish = fake_web_check_finish;
}

static void
bw_fake_prober_finalize (GObject *object)
{
  BwFakeProber *self = BW_FAKE_PROBER (object);

  g_hash_table_unref (self->addresses);
  g_hash_table_unref (self->outcomes);
  g_hash_table_unref (self->counts);
  g_hash_table_unref (self->in_flight);
  g_hash_table_unref (self->times);
  g_free (self->last_site);
  G_OBJECT_CLASS (bw_fake_prober_parent_class)->finalize (object);
}

static void
bw_fake_prober_class_init (BwFakeProberClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bw_fake_prober_finalize;
}

static void
bw_fake_prober_init (BwFakeProber *self)
{
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->outcomes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
}

BwFakeProber *
bw_fake_prober_new (void)
{
  return g_object_new (BW_TYPE_FAKE_PROBER, NULL);
}

void
bw_fake_prober_set_address (BwFakeProber *self, const char *host, const char *address)
{
  g_hash_table_insert (self->addresses, g_strdup (host), g_strdup (address));
}

void
bw_fake_prober_set_outcome (BwFakeProber *self, const char *address, BwObservation observation,
                            gboolean web_answers)
{
  Outcome *outcome = g_new0 (Outcome, 1);

  outcome->observation = observation;
  outcome->web_answers = web_answers;
  g_hash_table_insert (self->outcomes, g_strdup (address), outcome);
}

guint
bw_fake_prober_count (BwFakeProber *self, const char *address)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, address));
}

guint
bw_fake_prober_total (BwFakeProber *self)
{
  return self->total;
}

guint
bw_fake_prober_web_checks (BwFakeProber *self)
{
  return self->web_checks;
}

guint
bw_fake_prober_max_parallel (BwFakeProber *self, gboolean per_address)
{
  return per_address ? self->max_per_address : self->max_running;
}

guint
bw_fake_prober_in_flight (BwFakeProber *self)
{
  return self->running;
}

const char *
bw_fake_prober_last_site (BwFakeProber *self)
{
  return self->last_site;
}

void
bw_fake_prober_set_clock (BwFakeProber *self, BwClock *clock)
{
  self->clock = clock;
}

/* Returns (transfer none): probe start times at @address, oldest first, or NULL. */
GArray *
bw_fake_prober_times (BwFakeProber *self, const char *address)
{
  return g_hash_table_lookup (self->times, address);
}
