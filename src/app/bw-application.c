// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-application"

#include "config.h"

#include <malloc.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "core/bw-command.h"
#include "core/bw-texts.h"
#include "probe/bw-probe-child.h"
#include "probe/bw-ssh-prober.h"
#include "store/bw-known-hosts.h"
#include "bw-application.h"
#include "bw-notifier.h"
#include "bw-tray.h"
#include "bw-window.h"

/**
 * BwApplication:
 *
 * The tray application: one instance per session, D-Bus activatable. It owns the store,
 * the history, the monitor, the tray and the notifier, and runs without a window; the
 * window is only a view.
 */
struct _BwApplication
{
  GtkApplication  parent_instance;

  /* owned */
  GSettings      *settings;
  BwSiteStore    *store;
  BwHistory      *history;
  BwMonitor      *monitor;
  BwNotifier     *notifier;
  BwTray         *tray;
  GCancellable   *cancellable;
  char           *known_hosts;
  gboolean        loaded;
  guint           trim_id;
};

G_DEFINE_FINAL_TYPE (BwApplication, bw_application, GTK_TYPE_APPLICATION)

#define PROBE_TIMEOUT_S 30

static char *
lookup_passphrase_cb (BwSite   *site,
                      gpointer  user_data,
                      GError  **error)
{
  BwApplication *self = user_data;

  return bw_site_store_lookup_passphrase_sync (self->store, site, NULL, error);
}

static BwSite *
find_site (BwApplication *self,
           const char    *id)
{
  return id != NULL ? bw_site_store_find_by_id (self->store, id) : NULL;
}

static void
sync_monitor_sites (BwApplication *self)
{
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    g_ptr_array_add (sites, g_list_model_get_item (G_LIST_MODEL (self->store), i));
  bw_monitor_set_sites (self->monitor, sites);
}

static void
on_store_items_changed_cb (GListModel    *model,
                           guint          position,
                           guint          removed,
                           guint          added,
                           BwApplication *self)
{
  if (self->loaded)
    sync_monitor_sites (self);
}

static void
on_store_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BwApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bw_site_store_load_finish (self->store, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* A locked or missing keyring is said so, never shown as "no sites". */
      g_warning ("%s", error->message);
      bw_notifier_show_error (self->notifier, _("Banwatch cannot read its sites"), error->message);
      bw_window_set_store_error (BW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self))),
                                 error->message);
      return;
    }

  self->loaded = TRUE;
  sync_monitor_sites (self);
  bw_monitor_start (self->monitor, TRUE);
}

/* A tray app idles for hours: once a round of probes is over, give the memory its worker
 * threads used back to the system instead of keeping it dirty until the next round. */
static gboolean
on_trim_timeout_cb (gpointer user_data)
{
  BwApplication *self = user_data;

  if (!bw_monitor_is_idle (self->monitor))
    return G_SOURCE_CONTINUE;
  self->trim_id = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

static void
on_monitor_status_changed_cb (BwMonitor     *monitor,
                              BwSite        *site,
                              BwApplication *self)
{
  if (self->trim_id == 0)
    self->trim_id = g_timeout_add_seconds (5, on_trim_timeout_cb, self);
}

static void
on_monitor_event_cb (BwMonitor      *monitor,
                     BwMonitorEvent *event,
                     BwApplication  *self)
{
  bw_notifier_handle_event (self->notifier, event);
}

static void
on_muted_until_changed_cb (GSettings     *settings,
                           const char    *key,
                           BwApplication *self)
{
  bw_monitor_mute (self->monitor, g_settings_get_int64 (settings, "muted-until"));
  bw_tray_update (self->tray);
}

static void
load_monitor_config (BwApplication   *self,
                     BwMonitorConfig *config)
{
  bw_monitor_config_load (config, self->settings);
  if (g_getenv ("BANWATCH_TIME_SCALE") != NULL)
    bw_monitor_config_scale (config, g_ascii_strtod (g_getenv ("BANWATCH_TIME_SCALE"), NULL));
}

/* Preferences apply at once, not at the next start. */
static void
on_settings_changed_cb (GSettings     *settings,
                        const char    *key,
                        BwApplication *self)
{
  BwMonitorConfig config;

  if (g_strcmp0 (key, "muted-until") == 0 || self->monitor == NULL)
    return;
  load_monitor_config (self, &config);
  bw_monitor_set_config (self->monitor, &config);
}

/* --- actions ------------------------------------------------------------------ */

static void
activate_check_all (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  bw_application_check_all (user_data, gtk_application_get_active_window (user_data));
}

static void
activate_check_site (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  BwApplication *self = user_data;
  BwSite *site = find_site (self, g_variant_get_string (parameter, NULL));

  if (site != NULL)
    bw_application_check_site (self, site, gtk_application_get_active_window (GTK_APPLICATION (self)));
}

static void
activate_copy_command (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  BwApplication *self = user_data;
  BwSite *site = find_site (self, g_variant_get_string (parameter, NULL));
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;

  if (site == NULL)
    return;
  command = bw_application_dup_command (self, site, "ssh", &error);
  if (command != NULL)
    bw_application_copy_to_clipboard (self, command);
  else
    g_warning ("%s", error->message);
}

static void
activate_copy_explanation (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  BwApplication *self = user_data;
  BwSite *site = find_site (self, g_variant_get_string (parameter, NULL));
  g_autofree char *lang = g_settings_get_string (self->settings, "client-language");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (site == NULL)
    return;
  text = bw_application_dup_client_text (self, site, lang, TRUE, &error);
  if (text != NULL)
    bw_application_copy_to_clipboard (self, text);
  else
    g_warning ("%s", error->message);
}

/* Brings the window up, then shows something about the site named by @parameter. */
static void
present_for_site (BwApplication *self,
                  GVariant      *parameter,
                  void         (*show) (BwApplication *, BwSite *))
{
  BwSite *site = find_site (self, g_variant_get_string (parameter, NULL));

  g_application_activate (G_APPLICATION (self));
  if (site != NULL)
    show (self, site);
}

static void
activate_show_site (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  present_for_site (user_data, parameter, bw_application_show_site);
}

static void
activate_explain (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  present_for_site (user_data, parameter, bw_application_explain_site);
}

static void
activate_open (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static void
activate_mute (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  BwApplication *self = user_data;
  gint32 hours = g_variant_get_int32 (parameter);
  gint64 until = hours > 0 ? g_get_real_time () + (gint64) hours * 3600 * G_USEC_PER_SEC : 0;

  g_settings_set_int64 (self->settings, "muted-until", until);
}

static void
activate_acknowledge (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  BwApplication *self = user_data;
  BwSite *site = find_site (self, g_variant_get_string (parameter, NULL));

  if (site != NULL)
    bw_monitor_acknowledge (self->monitor, site);
}

static void
activate_maintenance (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  BwApplication *self = user_data;

  g_application_activate (G_APPLICATION (self));
  bw_window_show_maintenance (BW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self))));
}

static void
activate_quit (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "check-all", activate_check_all },
  { "check-site", activate_check_site, "s" },
  { "copy-command", activate_copy_command, "s" },
  { "copy-explanation", activate_copy_explanation, "s" },
  { "show-site", activate_show_site, "s" },
  { "explain", activate_explain, "s" },
  { "acknowledge", activate_acknowledge, "s" },
  { "open", activate_open },
  { "mute", activate_mute, "i" },
  { "maintenance", activate_maintenance },
  { "quit", activate_quit },
};

/* --- GApplication ----------------------------------------------------------- */

static void
bw_application_startup (GApplication *application)
{
  BwApplication *self = BW_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProber) prober = NULL;
  g_autoptr(BwClock) clock = bw_system_clock_new ();
  BwMonitorConfig config;

  G_APPLICATION_CLASS (bw_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);

  self->settings = bw_settings_new_if_installed ();
  if (self->settings == NULL)
    g_error ("The GSettings schema %s is not installed", APP_ID);

  self->known_hosts = bw_known_hosts_default_path ();
  self->history = bw_history_open (NULL, &error);
  if (self->history == NULL)
    g_warning ("History disabled: %s", error->message);

  load_monitor_config (self, &config);
  prober = bw_ssh_prober_new (self->known_hosts, PROBE_TIMEOUT_S, bw_probe_child_async, bw_probe_child_finish,
                              lookup_passphrase_cb, self);
  self->monitor = bw_monitor_new (prober, clock, self->history, &config);
  bw_monitor_mute (self->monitor, g_settings_get_int64 (self->settings, "muted-until"));
  g_signal_connect (self->monitor, "event", G_CALLBACK (on_monitor_event_cb), self);
  g_signal_connect (self->monitor, "status-changed", G_CALLBACK (on_monitor_status_changed_cb), self);
  g_signal_connect (self->settings, "changed::muted-until", G_CALLBACK (on_muted_until_changed_cb), self);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed_cb), self);

  self->store = bw_site_store_new (TRUE);
  g_signal_connect (self->store, "items-changed", G_CALLBACK (on_store_items_changed_cb), self);

  self->notifier = bw_notifier_new (self);
  self->tray = bw_tray_new (self);

  /* A tray application lives without a window. */
  g_application_hold (application);

  bw_site_store_load_async (self->store, self->cancellable, on_store_loaded_cb, g_object_ref (self));
}

static void
bw_application_activate (GApplication *application)
{
  BwApplication *self = BW_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (bw_window_new (self));
  gtk_window_present (window);
}

static void
bw_application_shutdown (GApplication *application)
{
  BwApplication *self = BW_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->trim_id, g_source_remove);
  if (self->monitor != NULL)
    bw_monitor_stop (self->monitor);

  G_APPLICATION_CLASS (bw_application_parent_class)->shutdown (application);
}

static void
bw_application_finalize (GObject *object)
{
  BwApplication *self = (BwApplication *) object;

  g_clear_object (&self->tray);
  g_clear_object (&self->notifier);
  g_clear_object (&self->monitor);
  g_clear_object (&self->history);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->known_hosts, g_free);

  G_OBJECT_CLASS (bw_application_parent_class)->finalize (object);
}

static void
bw_application_class_init (BwApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = bw_application_finalize;
  app_class->startup = bw_application_startup;
  app_class->activate = bw_application_activate;
  app_class->shutdown = bw_application_shutdown;
}

static void
bw_application_init (BwApplication *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * bw_application_new:
 *
 * Returns: (transfer full): the application, single instance under its app id
 */
BwApplication *
bw_application_new (void)
{
  return g_object_new (BW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

BwSiteStore *
bw_application_get_store (BwApplication *self)
{
  return self->store;
}

BwMonitor *
bw_application_get_monitor (BwApplication *self)
{
  return self->monitor;
}

BwHistory *
bw_application_get_history (BwApplication *self)
{
  return self->history;
}

GSettings *
bw_application_get_settings (BwApplication *self)
{
  return self->settings;
}

const char *
bw_application_get_known_hosts (BwApplication *self)
{
  return self->known_hosts;
}

gboolean
bw_application_get_notifications_available (BwApplication *self)
{
  return bw_notifier_is_available (self->notifier);
}

static gboolean
confirm (GtkWindow  *parent,
         const char *title,
         const char *detail,
         const char *accept)
{
  GtkWidget *dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", title);
  int response;

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL, accept, GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  atk_object_set_name (gtk_widget_get_accessible (dialog), title);
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return response == GTK_RESPONSE_ACCEPT;
}

static char *
format_clock (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (t / G_USEC_PER_SEC);

  return g_date_time_format (dt, "%H:%M");
}

/**
 * bw_application_check_site:
 *
 * "Check now" for one site. Over budget or during a ban's backoff it asks first, saying
 * when a check would be possible and that retrying can extend a ban.
 */
void
bw_application_check_site (BwApplication *self,
                           BwSite        *site,
                           GtkWindow     *parent)
{
  gint64 next_possible = 0;
  BwCheckVerdict verdict = bw_monitor_check_now (self->monitor, site, FALSE, &next_possible);
  g_autofree char *when = NULL;
  g_autofree char *detail = NULL;

  if (verdict == BW_CHECK_STARTED || verdict == BW_CHECK_BUSY || verdict == BW_CHECK_UNUSABLE)
    return;

  when = format_clock (next_possible);
  if (verdict == BW_CHECK_BANNED)
    detail = g_strdup_printf (_("“%s” is likely banning your address. Banwatch leaves it alone until %s. "
                                "Retrying now can extend the ban."), bw_site_get_name (site), when);
  else
    detail = g_strdup_printf (_("This server’s connection budget is spent; the next check is possible at %s. "
                                "Some hosts ban addresses that connect too often."), when);

  if (confirm (parent, _("Check anyway?"), detail, _("Check _Anyway")))
    bw_monitor_check_now (self->monitor, site, TRUE, NULL);
}

/**
 * bw_application_check_all:
 *
 * The quick health check: within budgets and backoff; servers that cannot be checked
 * now are left as they are.
 */
void
bw_application_check_all (BwApplication *self,
                          GtkWindow     *parent)
{
  bw_monitor_check_all (self->monitor, FALSE, NULL, NULL, NULL);
}

/**
 * bw_application_dup_command:
 * @format: "ssh", "ssh-config", "paramiko", "rsync" or "scp"
 *
 * Returns: (transfer full): the hardened command for @site
 */
char *
bw_application_dup_command (BwApplication  *self,
                            BwSite         *site,
                            const char     *format,
                            GError        **error)
{
  BwCommandFormat f;

  if (!bw_command_format_from_string (format, &f))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown format %s", format);
      return NULL;
    }
  return bw_command_build_for_site (f, site, error);
}

/**
 * bw_application_dup_client_text:
 * @for_client: the client explanation; %FALSE for the operator notes
 *
 * Returns: (transfer full): the text for @site's current state in @lang
 */
char *
bw_application_dup_client_text (BwApplication  *self,
                                BwSite         *site,
                                const char     *lang,
                                gboolean        for_client,
                                GError        **error)
{
  g_autofree char *command = bw_application_dup_command (self, site, "ssh", NULL);
  g_autofree char *estimate_text = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GDateTime) expected = NULL;
  BwSiteStatus status = { 0 };
  BwEstimate estimate;
  BwTextVars vars = { 0 };

  bw_monitor_get_status (self->monitor, site, &status);
  if (status.since > 0)
    since = g_date_time_new_from_unix_local (status.since / G_USEC_PER_SEC);
  if (bw_site_state_is_ban (status.state) && bw_monitor_get_estimate (self->monitor, site, &estimate))
    {
      if (estimate.expected_at > 0)
        expected = g_date_time_new_from_unix_local (estimate.expected_at / G_USEC_PER_SEC);
      estimate_text = bw_texts_format_estimate (estimate.min_hours, estimate.max_hours, expected, lang, NULL);
    }

  vars.site = bw_site_get_name (site);
  vars.since = since;
  vars.estimate = estimate_text;
  vars.web_answered = status.web_answered;
  vars.command = command;

  return for_client ? bw_texts_client (status.state, &vars, lang, error)
                    : bw_texts_operator (status.state, &vars, lang, error);
}

/**
 * bw_application_copy_to_clipboard:
 *
 * Puts @text on the clipboard and hands it to the clipboard manager, so it survives the
 * notification that asked for it.
 */
void
bw_application_copy_to_clipboard (BwApplication *self,
                                  const char    *text)
{
  GtkClipboard *clipboard = gtk_clipboard_get (GDK_SELECTION_CLIPBOARD);

  gtk_clipboard_set_text (clipboard, text, -1);
  gtk_clipboard_store (clipboard);
}

void
bw_application_show_site (BwApplication *self,
                          BwSite        *site)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    bw_window_select_site (BW_WINDOW (window), site);
}

void
bw_application_explain_site (BwApplication *self,
                             BwSite        *site)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL)
    bw_window_explain_site (BW_WINDOW (window), site);
}
