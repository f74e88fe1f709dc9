// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-notifier"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "bw-notifier.h"

/* libnotify 0.8 has no autoptr definition of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NotifyNotification, g_object_unref)

/**
 * BwNotifier:
 *
 * The only place that talks to libnotify. One notification per site, updated in place
 * rather than stacked; critical urgency for heavier bans, silent blocks and host-key
 * alarms; actions when the server has them, the same hints in the body when it has not.
 * Nothing secret ever goes into a notification: names, states and times only.
 */
struct _BwNotifier
{
  GObject        parent_instance;

  /* borrowed */
  BwApplication *app;       /* NULL for the headless `watch` */
  BwMonitor     *monitor;

  /* owned */
  GHashTable    *notifications;  /* site id → NotifyNotification */
  gboolean       available;
  gboolean       has_actions;
};

G_DEFINE_FINAL_TYPE (BwNotifier, bw_notifier, G_TYPE_OBJECT)

typedef struct {
  BwNotifier *notifier;
  char       *site_id;
} ActionData;

static void
action_data_free (gpointer data)
{
  ActionData *action = data;

  g_free (action->site_id);
  g_free (action);
}

static void
on_action_cb (NotifyNotification *notification,
              char               *action,
              gpointer            user_data)
{
  ActionData *data = user_data;
  const char *app_action = NULL;

  if (g_str_equal (action, "copy-explanation"))
    app_action = "copy-explanation";
  else if (g_str_equal (action, "copy-command"))
    app_action = "copy-command";
  else if (g_str_equal (action, "open") || g_str_equal (action, "default"))
    app_action = "show-site";

  if (app_action != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (data->notifier->app), app_action,
                                    g_variant_new_string (data->site_id));
}

static void
on_closed_cb (NotifyNotification *notification,
              BwNotifier         *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->notifications);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == notification)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

static char *
summary_for (const BwMonitorEvent *event)
{
  const char *name = bw_site_get_name (event->site);

  if (event->kind == BW_MONITOR_EVENT_REMINDER)
    return g_strdup_printf (_("%s: still likely banned"), name);

  if (event->recovery)
    return g_strdup_printf (_("%s: reachable again"), name);

  switch (event->to)
    {
    case BW_SITE_STATE_LIGHTER_BAN:
      return g_strdup_printf (_("%s: likely banned (lighter stage)"), name);
    case BW_SITE_STATE_HEAVIER_BAN:
      return g_strdup_printf (_("%s: likely banned (heavier stage)"), name);
    case BW_SITE_STATE_SILENT_BLOCK:
      return g_strdup_printf (_("%s: likely blocked silently"), name);
    case BW_SITE_STATE_HOSTKEY_ALARM:
      return g_strdup_printf (_("%s: host key changed"), name);
    default:
      return g_strdup_printf ("%s: %s", name, bw_site_state_describe (event->to));
    }
}

static char *
body_for (BwNotifier           *self,
          const BwMonitorEvent *event)
{
  g_autoptr(GString) body = g_string_new (bw_site_state_describe (event->to));
  g_autoptr(GDateTime) since = g_date_time_new_from_unix_local (event->since / G_USEC_PER_SEC);
  g_autofree char *when = g_date_time_format (since, "%H:%M");
  BwEstimate estimate;

  g_string_append_printf (body, "\n%s %s", _("Since"), when);
  if (event->via != NULL)
    g_string_append_printf (body, _(" (seen through %s, on the same server)"), event->via);

  if (bw_site_state_is_ban (event->to) &&
      bw_monitor_get_estimate (self->monitor, event->site, &estimate))
    {
      g_autofree char *text = bw_monitor_format_estimate (&estimate);
      g_string_append_printf (body, "\n%s", text);
    }

  if (bw_site_state_is_ban (event->to))
    g_string_append_printf (body, "\n%s", _("Do not retry: retrying can extend the ban."));
  if (event->to == BW_SITE_STATE_HOSTKEY_ALARM)
    g_string_append_printf (body, "\n%s", _("Do not log in until the provider confirms the new fingerprint."));

  if (self->app == NULL)
    g_string_append_printf (body, "\n%s",
                            _("“banwatch explain NAME” gives the client explanation, “banwatch command NAME” "
                              "the safe command."));
  else if (!self->has_actions)
    g_string_append_printf (body, "\n%s",
                            _("Open Banwatch to copy the client explanation and the safe command."));

  return g_string_free (g_steal_pointer (&body), FALSE);
}

/**
 * bw_notifier_handle_event:
 *
 * Shows, or updates, the site's notification when the monitor says one is due.
 */
void
bw_notifier_handle_event (BwNotifier           *self,
                          const BwMonitorEvent *event)
{
  const char *id = bw_site_get_id (event->site);
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  NotifyNotification *notification;
  NotifyUrgency urgency;

  if (!event->notify || !self->available)
    return;

  summary = summary_for (event);
  body = body_for (self, event);
  urgency = event->critical && !event->recovery ? NOTIFY_URGENCY_CRITICAL : NOTIFY_URGENCY_NORMAL;

  notification = g_hash_table_lookup (self->notifications, id);
  if (notification == NULL)
    {
      notification = notify_notification_new (summary, body, "io.github.banwatch.Banwatch");
      g_signal_connect (notification, "closed", G_CALLBACK (on_closed_cb), self);
      g_hash_table_insert (self->notifications, g_strdup (id), notification);
    }
  else
    notify_notification_update (notification, summary, body, "io.github.banwatch.Banwatch");

  notify_notification_set_urgency (notification, urgency);
  notify_notification_set_app_name (notification, "Banwatch");
  notify_notification_set_hint (notification, "desktop-entry", g_variant_new_string (APP_ID));
  notify_notification_set_category (notification, event->recovery ? "network.connected" : "network.error");
  if (event->maintenance)
    notify_notification_set_hint (notification, "x-banwatch-maintenance", g_variant_new_boolean (TRUE));

  notify_notification_clear_actions (notification);
  if (self->has_actions && self->app != NULL)
    {
      const struct { const char *key; const char *label; } actions[] = {
        { "copy-explanation", N_("Copy client explanation") },
        { "copy-command", N_("Copy safe command") },
        { "open", N_("Open") },
      };

      for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
        {
          ActionData *data = g_new0 (ActionData, 1);

          data->notifier = self;
          data->site_id = g_strdup (id);
          notify_notification_add_action (notification, actions[i].key, _(actions[i].label),
                                          on_action_cb, data, action_data_free);
        }
    }

  if (!notify_notification_show (notification, &error))
    g_warning ("Could not show a notification: %s", error->message);
}

/**
 * bw_notifier_show_error:
 *
 * A problem that stops Banwatch from working, such as a locked keyring.
 */
void
bw_notifier_show_error (BwNotifier *self,
                        const char *summary,
                        const char *body)
{
  g_autoptr(NotifyNotification) notification = NULL;

  if (!self->available)
    return;
  notification = notify_notification_new (summary, body, "io.github.banwatch.Banwatch");
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_CRITICAL);
  notify_notification_show (notification, NULL);
}

/**
 * bw_notifier_is_available:
 *
 * Returns: %FALSE when no notification server runs; the window then shows a banner
 */
gboolean
bw_notifier_is_available (BwNotifier *self)
{
  return self->available;
}

static void
bw_notifier_dispose (GObject *object)
{
  BwNotifier *self = (BwNotifier *) object;

  g_clear_pointer (&self->notifications, g_hash_table_unref);
  if (notify_is_initted ())
    notify_uninit ();

  G_OBJECT_CLASS (bw_notifier_parent_class)->dispose (object);
}

static void
bw_notifier_class_init (BwNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bw_notifier_dispose;
}

static void
bw_notifier_init (BwNotifier *self)
{
  self->notifications = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * bw_notifier_new:
 *
 * Returns: (transfer full): the notifier; it asks the server for its capabilities once
 */
BwNotifier *
bw_notifier_new (BwApplication *app)
{
  return bw_notifier_new_for_monitor (bw_application_get_monitor (app), app);
}

/**
 * bw_notifier_new_for_monitor:
 * @app: (nullable): the application that handles the actions; %NULL for `watch`, whose
 *   notifications carry the commands to run instead
 *
 * Returns: (transfer full): a notifier for @monitor's events
 */
BwNotifier *
bw_notifier_new_for_monitor (BwMonitor     *monitor,
                             BwApplication *app)
{
  BwNotifier *self = g_object_new (BW_TYPE_NOTIFIER, NULL);
  GList *caps;

  self->app = app;
  self->monitor = monitor;
  if (notify_init ("Banwatch"))
    {
      caps = notify_get_server_caps ();
      self->available = caps != NULL;
      self->has_actions = g_list_find_custom (caps, "actions", (GCompareFunc) g_strcmp0) != NULL;
      g_list_free_full (caps, g_free);
    }

  return self;
}
