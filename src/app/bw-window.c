// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "store/bw-known-hosts.h"
#include "bw-explain-dialog.h"
#include "bw-import-dialog.h"
#include "bw-maintenance-dialog.h"
#include "bw-preferences-dialog.h"
#include "bw-site-dialog.h"
#include "bw-site-row.h"
#include "bw-timeline.h"
#include "bw-window.h"

/**
 * BwWindow:
 *
 * The main window: the site list with state badges, a detail pane with the selected
 * site's server timeline and actions, an empty state that explains how to start, and
 * the way to every dialog. It is only a view: closing it leaves the tray app running.
 */
struct _BwWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkStack             *stack;
  GtkListBox           *site_list;
  GtkInfoBar           *banner;
  GtkLabel             *banner_label;
  GtkLabel             *empty_title;
  GtkLabel             *empty_text;
  GtkStack             *detail_stack;
  GtkLabel             *detail_name;
  GtkLabel             *detail_badge;
  GtkLabel             *detail_address;
  GtkLabel             *detail_state;
  GtkLabel             *detail_times;
  BwTimeline           *timeline;

  /* owned */
  GCancellable         *cancellable;
  char                 *selected_id;
  guint                 refresh_id;
  guint                 idle_refresh_id;
  gulong                items_changed_id;
  gulong                status_changed_id;

  /* borrowed */
  BwApplication        *app;
  BwSiteStore          *store;
  BwMonitor            *monitor;
};

G_DEFINE_FINAL_TYPE (BwWindow, bw_window, GTK_TYPE_APPLICATION_WINDOW)

/* "Next check" and "Checked" drift without any signal: refresh them now and then. */
#define REFRESH_SECONDS 30

static BwSite *
get_selected_site (BwWindow *self)
{
  if (self->app == NULL || self->selected_id == NULL)
    return NULL;
  return bw_site_store_find_by_id (bw_application_get_store (self->app), self->selected_id);
}

static void
set_action_enabled (BwWindow   *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static gboolean
can_trust (const BwSiteStatus *status)
{
  return status->state == BW_SITE_STATE_NEEDS_TRUST && status->last_result != NULL &&
         status->last_result->hostkey_type != NULL && status->last_result->hostkey_base64 != NULL;
}

static void
update_detail (BwWindow *self)
{
  BwSite *site = get_selected_site (self);
  BwMonitor *monitor;
  BwHistory *history;
  BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };
  g_autoptr(GString) times = NULL;
  g_autoptr(GString) state = NULL;
  g_autoptr(GPtrArray) episodes = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *address = NULL;
  const char *key;

  set_action_enabled (self, "check-site", site != NULL);
  set_action_enabled (self, "explain-site", site != NULL);
  set_action_enabled (self, "edit-site", site != NULL);
  set_action_enabled (self, "remove-site", site != NULL);

  if (site == NULL)
    {
      set_action_enabled (self, "trust-site", FALSE);
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }

  monitor = bw_application_get_monitor (self->app);
  history = bw_application_get_history (self->app);
  bw_monitor_get_status (monitor, site, &status);
  set_action_enabled (self, "trust-site", can_trust (&status));

  gtk_label_set_text (self->detail_name, bw_site_get_name (site));
  gtk_label_set_text (self->detail_badge, bw_site_row_state_word (status.state));
  bw_site_row_style_badge (GTK_WIDGET (self->detail_badge), status.state);

  destination = bw_site_dup_destination (site);
  key = bw_site_get_key_path (site);
  /* Translators: user@host:port, then the key file */
  address = g_strdup_printf (_("%s@%s with the key %s"), bw_site_get_user (site), destination,
                             key != NULL ? key : _("(none chosen yet)"));
  gtk_label_set_text (self->detail_address, address);

  state = g_string_new (bw_site_state_describe (status.state));
  if (status.message != NULL && *status.message != '\0' && status.state != BW_SITE_STATE_HEALTHY)
    g_string_append_printf (state, "\n%s", status.message);
  if (status.state == BW_SITE_STATE_NEEDS_TRUST && status.last_result != NULL &&
      status.last_result->fingerprint != NULL)
    g_string_append_printf (state, "\n%s %s", _("Host key fingerprint:"), status.last_result->fingerprint);
  gtk_label_set_text (self->detail_state, state->str);

  times = g_string_new (NULL);
  if (status.last_check > 0)
    {
      g_autofree char *when = bw_site_row_format_time (status.last_check);
      g_string_append_printf (times, _("Checked %s"), when);
    }
  else
    g_string_append (times, _("Never checked"));
  if (status.next_check > 0)
    {
      g_autofree char *when = bw_site_row_format_time (status.next_check);
      g_string_append (times, " · ");
      g_string_append_printf (times, _("Next check %s"), when);
    }
  if (status.verified_via != NULL && !status.probed)
    {
      g_string_append (times, " · ");
      g_string_append_printf (times, _("via %s"), status.verified_via);
    }
  if (bw_site_state_is_ban (status.state))
    {
      BwEstimate estimate;

      if (bw_monitor_get_estimate (monitor, site, &estimate))
        {
          g_autofree char *text = bw_monitor_format_estimate (&estimate);
          g_string_append_printf (times, "\n%s", text);
        }
    }
  gtk_label_set_text (self->detail_times, times->str);

  if (history != NULL && status.destination != NULL)
    episodes = bw_history_list_episodes (history, status.destination);
  bw_timeline_set_episodes (self->timeline, episodes, g_get_real_time ());

  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
}

static void
update_stack (BwWindow *self)
{
  GListModel *model = G_LIST_MODEL (bw_application_get_store (self->app));

  gtk_stack_set_visible_child_name (self->stack, g_list_model_get_n_items (model) > 0 ? "sites" : "empty");
}

static GtkListBoxRow *
find_row (BwWindow   *self,
          const char *id)
{
  GListModel *model = G_LIST_MODEL (bw_application_get_store (self->app));

  for (guint i = 0; id != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (model, i);

      if (g_str_equal (bw_site_get_id (site), id))
        return gtk_list_box_get_row_at_index (self->site_list, i);
    }
  return NULL;
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  BwWindow *self = user_data;

  return GTK_WIDGET (bw_site_row_new (BW_SITE (item), bw_application_get_monitor (self->app)));
}

static void
on_site_list_row_selected_cb (GtkListBox    *box,
                              GtkListBoxRow *row,
                              BwWindow      *self)
{
  /* An edit replaces the site object and its row: keep the selection by id. */
  if (row == NULL)
    return;
  g_free (self->selected_id);
  self->selected_id = g_strdup (bw_site_get_id (bw_site_row_get_site (BW_SITE_ROW (row))));
  update_detail (self);
}

static gboolean on_idle_refresh_cb (gpointer user_data);

static void
on_store_items_changed_cb (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           BwWindow   *self)
{
  GtkListBoxRow *row;

  /* The monitor learns about new sites (and restores their states from the history)
   * after the store has announced them, without a "status-changed" for a state that did
   * not change: read every row again once that is done. */
  if (self->idle_refresh_id == 0)
    self->idle_refresh_id = g_idle_add (on_idle_refresh_cb, self);

  update_stack (self);
  row = find_row (self, self->selected_id);
  if (row == NULL && g_list_model_get_n_items (model) > 0)
    row = gtk_list_box_get_row_at_index (self->site_list, MIN (position, g_list_model_get_n_items (model) - 1));
  if (row != NULL)
    gtk_list_box_select_row (self->site_list, row);
  else
    g_clear_pointer (&self->selected_id, g_free);
  update_detail (self);
}

static void
on_monitor_status_changed_cb (BwMonitor *monitor,
                              BwSite    *site,
                              BwWindow  *self)
{
  if (g_strcmp0 (bw_site_get_id (site), self->selected_id) == 0)
    update_detail (self);
}

static void
refresh_all (BwWindow *self)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->site_list));

  for (GList *l = rows; l != NULL; l = l->next)
    if (BW_IS_SITE_ROW (l->data))
      bw_site_row_update (l->data);
  update_detail (self);
}

static gboolean
on_refresh_timeout_cb (gpointer user_data)
{
  refresh_all (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_idle_refresh_cb (gpointer user_data)
{
  BwWindow *self = user_data;

  self->idle_refresh_id = 0;
  refresh_all (self);
  return G_SOURCE_REMOVE;
}

static void
on_banner_response_cb (GtkInfoBar *banner,
                       int         response,
                       BwWindow   *self)
{
  gtk_widget_hide (GTK_WIDGET (banner));
}

static void
show_banner (BwWindow       *self,
             GtkMessageType  type,
             const char     *message)
{
  gtk_label_set_text (self->banner_label, message);
  gtk_info_bar_set_message_type (self->banner, type);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->banner_label)),
                       type == GTK_MESSAGE_ERROR ? _("Error") : _("Warning"));
  gtk_widget_show (GTK_WIDGET (self->banner));
}

/* --- actions ------------------------------------------------------------------ */

static void
present_dialog (BwWindow  *self,
                GtkWidget *dialog)
{
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_site_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  BwWindow *self = user_data;

  present_dialog (self, bw_site_dialog_new (self->app, NULL));
}

static void
import_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  BwWindow *self = user_data;

  present_dialog (self, bw_import_dialog_new (self->app, NULL));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  BwWindow *self = user_data;

  present_dialog (self, bw_preferences_dialog_new (bw_application_get_settings (self->app)));
}

static void
check_site_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  BwWindow *self = user_data;
  BwSite *site = get_selected_site (self);

  if (site != NULL)
    bw_application_check_site (self->app, site, GTK_WINDOW (self));
}

static void
explain_site_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  BwWindow *self = user_data;
  BwSite *site = get_selected_site (self);

  if (site != NULL)
    bw_window_explain_site (self, site);
}

static void
edit_site_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  BwWindow *self = user_data;
  BwSite *site = get_selected_site (self);

  if (site != NULL)
    present_dialog (self, bw_site_dialog_new (self->app, site));
}

static void
on_remove_finished_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BwWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bw_site_store_remove_finish (BW_SITE_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_banner (self, GTK_MESSAGE_ERROR, error->message);
    }
}

static void
on_remove_dialog_response_cb (GtkDialog *dialog,
                              int        response,
                              BwWindow  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "bw-site-id");
  BwSiteStore *store = bw_application_get_store (self->app);
  BwSite *site = bw_site_store_find_by_id (store, id);

  if (response == GTK_RESPONSE_ACCEPT && site != NULL)
    bw_site_store_remove_async (store, site, self->cancellable, on_remove_finished_cb, g_object_ref (self));
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
remove_site_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  BwWindow *self = user_data;
  BwSite *site = get_selected_site (self);
  g_autofree char *title = NULL;
  GtkWidget *dialog;

  if (site == NULL)
    return;

  title = g_strdup_printf (_("Remove “%s”?"), bw_site_get_name (site));
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("Banwatch forgets the site and its stored passphrase. "
                                              "The key file and the server are not touched."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Remove"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                                                                  GTK_RESPONSE_ACCEPT)),
                               "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  atk_object_set_name (gtk_widget_get_accessible (dialog), title);
  g_object_set_data_full (G_OBJECT (dialog), "bw-site-id", g_strdup (bw_site_get_id (site)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct {
  char *site_id;
  char *key_type;
  char *key_base64;
} TrustRequest;

static void
trust_request_free (TrustRequest *request)
{
  g_clear_pointer (&request->site_id, g_free);
  g_clear_pointer (&request->key_type, g_free);
  g_clear_pointer (&request->key_base64, g_free);
  g_free (request);
}

static void
on_trust_dialog_response_cb (GtkDialog *dialog,
                             int        response,
                             BwWindow  *self)
{
  TrustRequest *request = g_object_get_data (G_OBJECT (dialog), "bw-trust");
  BwSite *site = bw_site_store_find_by_id (bw_application_get_store (self->app), request->site_id);
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && site != NULL)
    {
      /* The key comes from the probe that reported it; no new connection is made to fetch
       * it, and the check that follows is an ordinary one within the budget. */
      if (bw_known_hosts_add (bw_application_get_known_hosts (self->app), bw_site_get_host (site),
                              bw_site_get_port (site), request->key_type, request->key_base64, &error))
        bw_application_check_site (self->app, site, GTK_WINDOW (self));
      else
        show_banner (self, GTK_MESSAGE_ERROR, error->message);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
trust_site_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  BwWindow *self = user_data;
  BwSite *site = get_selected_site (self);
  BwSiteStatus status = { 0 };
  TrustRequest *request;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  GtkWidget *dialog;

  if (site == NULL || !bw_monitor_get_status (bw_application_get_monitor (self->app), site, &status) ||
      !can_trust (&status))
    return;

  request = g_new0 (TrustRequest, 1);
  request->site_id = g_strdup (bw_site_get_id (site));
  request->key_type = g_strdup (status.last_result->hostkey_type);
  request->key_base64 = g_strdup (status.last_result->hostkey_base64);

  title = g_strdup_printf (_("Trust the host key of “%s”?"), bw_site_get_name (site));
  detail = g_strdup_printf (_("The server offered a %s key with the fingerprint\n%s\n\n"
                              "Compare it with the fingerprint your hosting provider publishes. "
                              "Once trusted, Banwatch refuses to log in if the key ever changes."),
                            status.last_result->hostkey_type, status.last_result->fingerprint);
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Trust"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  atk_object_set_name (gtk_widget_get_accessible (dialog), title);
  g_object_set_data_full (G_OBJECT (dialog), "bw-trust", request, (GDestroyNotify) trust_request_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_trust_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const GActionEntry win_actions[] = {
  { "add-site", add_site_activated },
  { "import", import_activated },
  { "preferences", preferences_activated },
  { "check-site", check_site_activated },
  { "explain-site", explain_site_activated },
  { "edit-site", edit_site_activated },
  { "remove-site", remove_site_activated },
  { "trust-site", trust_site_activated },
};

/* --- GObject ---------------------------------------------------------------- */

static void
bw_window_dispose (GObject *object)
{
  BwWindow *self = (BwWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_signal_handler (&self->status_changed_id, self->monitor);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->idle_refresh_id, g_source_remove);

  G_OBJECT_CLASS (bw_window_parent_class)->dispose (object);
}

static void
bw_window_finalize (GObject *object)
{
  BwWindow *self = (BwWindow *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->selected_id, g_free);

  G_OBJECT_CLASS (bw_window_parent_class)->finalize (object);
}

static void
load_css (void)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (provider, "/io/github/banwatch/Banwatch/style.css");
      gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (provider),
                                                 GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&loaded, 1);
    }
}

static void
bw_window_class_init (BwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bw_window_dispose;
  object_class->finalize = bw_window_finalize;

  g_type_ensure (BW_TYPE_TIMELINE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BwWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, site_list);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, empty_title);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, empty_text);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_name);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_badge);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_address);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_state);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, detail_times);
  gtk_widget_class_bind_template_child (widget_class, BwWindow, timeline);
  gtk_widget_class_bind_template_callback (widget_class, on_site_list_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_response_cb);
}

static void
bw_window_init (BwWindow *self)
{
  load_css ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  /* GtkInfoBar's own close button has no accessible name. */
  {
    g_autoptr(GList) buttons = gtk_container_get_children (GTK_CONTAINER (gtk_info_bar_get_action_area (self->banner)));

    for (GList *l = buttons; l != NULL; l = l->next)
      if (GTK_IS_BUTTON (l->data))
        atk_object_set_name (gtk_widget_get_accessible (l->data), _("Close banner"));
  }

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
}

/**
 * bw_window_new:
 *
 * Returns: (transfer full): the main window of @app
 */
BwWindow *
bw_window_new (BwApplication *app)
{
  BwWindow *self = g_object_new (BW_TYPE_WINDOW, "application", app, NULL);
  BwSiteStore *store = bw_application_get_store (app);

  self->app = app;
  self->store = store;
  self->monitor = bw_application_get_monitor (app);
  gtk_list_box_bind_model (self->site_list, G_LIST_MODEL (store), create_row_cb, self, NULL);
  self->items_changed_id = g_signal_connect_object (store, "items-changed",
                                                    G_CALLBACK (on_store_items_changed_cb), self, 0);
  self->status_changed_id = g_signal_connect_object (self->monitor, "status-changed",
                                                     G_CALLBACK (on_monitor_status_changed_cb), self, 0);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, on_refresh_timeout_cb, self);

  update_stack (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0)
    gtk_list_box_select_row (self->site_list, gtk_list_box_get_row_at_index (self->site_list, 0));
  update_detail (self);

  if (!bw_application_get_notifications_available (app))
    show_banner (self, GTK_MESSAGE_WARNING,
                 _("No notification server is running: Banwatch cannot tell you about bans "
                   "while this window is closed."));
  return self;
}

/**
 * bw_window_set_store_error:
 * @self: (nullable): the window, if there is one
 *
 * Shows why the sites cannot be read or written (a locked keyring, no Secret Service),
 * so that an unreadable keyring is never mistaken for "no sites".
 */
void
bw_window_set_store_error (BwWindow   *self,
                           const char *message)
{
  if (self == NULL)
    return;
  show_banner (self, GTK_MESSAGE_ERROR, message);
  /* The empty page must not say "no sites yet" when the sites could not be read. */
  gtk_label_set_text (self->empty_title, _("Banwatch cannot read your sites"));
  gtk_label_set_text (self->empty_text, message);
}

void
bw_window_select_site (BwWindow *self,
                       BwSite   *site)
{
  GtkListBoxRow *row = find_row (self, bw_site_get_id (site));

  if (row != NULL)
    {
      gtk_list_box_select_row (self->site_list, row);
      gtk_widget_grab_focus (GTK_WIDGET (row));
    }
}

void
bw_window_explain_site (BwWindow *self,
                        BwSite   *site)
{
  present_dialog (self, bw_explain_dialog_new (self->app, site));
}

void
bw_window_show_maintenance (BwWindow *self)
{
  present_dialog (self, bw_maintenance_dialog_new (self->app));
}
