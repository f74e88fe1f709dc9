// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-tray"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libayatana-appindicator/app-indicator.h>

#include "bw-tray.h"

/**
 * BwTray:
 *
 * The tray icon, behind this one small class: a StatusNotifierItem through
 * libayatana-appindicator3, which falls back to an XEmbed GtkStatusIcon by itself when no
 * StatusNotifierWatcher runs. The icon shows the worst state, the title counts sites per
 * state, and the status asks for attention during a ban or a host-key alarm.
 */
struct _BwTray
{
  GObject        parent_instance;

  /* borrowed */
  BwApplication *app;

  /* owned */
  AppIndicator  *indicator;
  GtkWidget     *menu;
  guint          update_id;
};

G_DEFINE_FINAL_TYPE (BwTray, bw_tray, G_TYPE_OBJECT)

/**
 * bw_tray_icon_for_state:
 *
 * Returns: the symbolic icon that stands for @state in the tray
 */
const char *
bw_tray_icon_for_state (BwSiteState state)
{
  switch (state)
    {
    case BW_SITE_STATE_HEALTHY:
      return "banwatch-healthy-symbolic";
    case BW_SITE_STATE_LIGHTER_BAN:
      return "banwatch-lighter-symbolic";
    case BW_SITE_STATE_HEAVIER_BAN:
    case BW_SITE_STATE_SILENT_BLOCK:
      return "banwatch-heavier-symbolic";
    case BW_SITE_STATE_HOSTKEY_ALARM:
      return "banwatch-alarm-symbolic";
    case BW_SITE_STATE_UNKNOWN:
    case BW_SITE_STATE_SERVER_DOWN:
    case BW_SITE_STATE_LOCAL_NETWORK:
    case BW_SITE_STATE_AUTH_PROBLEM:
    case BW_SITE_STATE_NEEDS_TRUST:
    case BW_SITE_STATE_CONFIG_ERROR:
    case BW_N_SITE_STATES:
    default:
      return "banwatch-unknown-symbolic";
    }
}

static GtkWidget *
add_item (GtkWidget  *menu,
          const char *label,
          const char *action,
          GVariant   *target)
{
  GtkWidget *item = gtk_menu_item_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (item), action);
  if (target != NULL)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (item), target);
  atk_object_set_name (gtk_widget_get_accessible (item), label);
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), item);
  return item;
}

static char *
site_line (BwSite             *site,
           const BwSiteStatus *status)
{
  g_autoptr(GDateTime) since = NULL;
  g_autofree char *when = NULL;

  if (status->since <= 0)
    return g_strdup_printf ("%s — %s", bw_site_get_name (site), bw_site_state_to_string (status->state));

  since = g_date_time_new_from_unix_local (status->since / G_USEC_PER_SEC);
  when = g_date_time_format (since, "%m-%d %H:%M");
  /* Translators: site name — state word, since a date and time */
  return g_strdup_printf (_("%s — %s since %s"), bw_site_get_name (site),
                          bw_site_state_to_string (status->state), when);
}

static GtkWidget *
build_menu (BwTray *self)
{
  BwSiteStore *store = bw_application_get_store (self->app);
  BwMonitor *monitor = bw_application_get_monitor (self->app);
  GtkWidget *menu = gtk_menu_new ();
  gboolean muted = bw_monitor_get_muted_until (monitor) > 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
      const char *id = bw_site_get_id (site);
      g_autofree char *line = NULL;
      GtkWidget *submenu = gtk_menu_new ();
      GtkWidget *item;
      BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };

      bw_monitor_get_status (monitor, site, &status);
      line = site_line (site, &status);
      item = gtk_menu_item_new_with_label (line);
      atk_object_set_name (gtk_widget_get_accessible (item), line);
      add_item (submenu, _("Check now"), "app.check-site", g_variant_new_string (id));
      add_item (submenu, _("Explain…"), "app.explain", g_variant_new_string (id));
      add_item (submenu, _("Copy safe command"), "app.copy-command", g_variant_new_string (id));
      gtk_menu_item_set_submenu (GTK_MENU_ITEM (item), submenu);
      gtk_menu_shell_append (GTK_MENU_SHELL (menu), item);
    }

  gtk_menu_shell_append (GTK_MENU_SHELL (menu), gtk_separator_menu_item_new ());
  add_item (menu, _("Check all now"), "app.check-all", NULL);
  add_item (menu, _("Open Banwatch"), "app.open", NULL);
  if (muted)
    add_item (menu, _("Unmute"), "app.mute", g_variant_new_int32 (0));
  else
    add_item (menu, _("Mute for 1 hour"), "app.mute", g_variant_new_int32 (1));
  add_item (menu, _("Maintenance mode…"), "app.maintenance", NULL);
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), gtk_separator_menu_item_new ());
  add_item (menu, _("Quit"), "app.quit", NULL);

  /* Menu items reach app.* actions through the menu's own action group. */
  gtk_widget_insert_action_group (menu, "app", G_ACTION_GROUP (self->app));
  gtk_widget_show_all (menu);
  return menu;
}

static gboolean
update_now (gpointer user_data)
{
  BwTray *self = user_data;
  BwSiteStore *store = bw_application_get_store (self->app);
  BwMonitor *monitor = bw_application_get_monitor (self->app);
  guint counts[BW_N_SITE_STATES] = { 0 };
  BwSiteState worst = BW_SITE_STATE_HEALTHY;
  gboolean attention = FALSE;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_autoptr(GString) title = g_string_new ("Banwatch");
  GtkWidget *menu;

  self->update_id = 0;

  if (n == 0)
    worst = BW_SITE_STATE_UNKNOWN;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
      BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };

      bw_monitor_get_status (monitor, site, &status);
      counts[status.state]++;
      if (bw_site_state_severity (status.state) > bw_site_state_severity (worst))
        worst = status.state;
      if (bw_site_state_is_ban (status.state) || status.state == BW_SITE_STATE_HOSTKEY_ALARM)
        attention = TRUE;
    }

  /* "Banwatch: 18 healthy, 2 heavier-ban", in a fixed order, worst first. */
  for (int severity = 10; severity >= 0; severity--)
    for (guint s = 0; s < BW_N_SITE_STATES; s++)
      if (counts[s] > 0 && bw_site_state_severity (s) == severity)
        g_string_append_printf (title, "%s %u %s", title->len == strlen ("Banwatch") ? ":" : ",",
                                counts[s], bw_site_state_to_string (s));

  app_indicator_set_title (self->indicator, title->str);
  app_indicator_set_icon_full (self->indicator, bw_tray_icon_for_state (worst), bw_site_state_describe (worst));
  app_indicator_set_attention_icon_full (self->indicator, bw_tray_icon_for_state (worst),
                                         bw_site_state_describe (worst));
  app_indicator_set_status (self->indicator, attention ? APP_INDICATOR_STATUS_ATTENTION
                                                       : APP_INDICATOR_STATUS_ACTIVE);

  menu = build_menu (self);
  app_indicator_set_menu (self->indicator, GTK_MENU (menu));
  g_clear_object (&self->menu);
  self->menu = g_object_ref_sink (menu);

  return G_SOURCE_REMOVE;
}

/**
 * bw_tray_update:
 *
 * Refreshes icon, title, status and menu once the current burst of changes is over.
 */
void
bw_tray_update (BwTray *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add (update_now, self);
}

static void
on_store_items_changed_cb (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           BwTray     *self)
{
  bw_tray_update (self);
}

static void
on_monitor_status_changed_cb (BwMonitor *monitor,
                              BwSite    *site,
                              BwTray    *self)
{
  bw_tray_update (self);
}

static void
bw_tray_dispose (GObject *object)
{
  BwTray *self = (BwTray *) object;

  g_clear_handle_id (&self->update_id, g_source_remove);
  g_clear_object (&self->indicator);
  g_clear_object (&self->menu);

  G_OBJECT_CLASS (bw_tray_parent_class)->dispose (object);
}

static void
bw_tray_class_init (BwTrayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bw_tray_dispose;
}

static void
bw_tray_init (BwTray *self)
{
}

/**
 * bw_tray_new:
 *
 * Returns: (transfer full): the tray item, exported at once
 */
BwTray *
bw_tray_new (BwApplication *app)
{
  BwTray *self = g_object_new (BW_TYPE_TRAY, NULL);
  const char *theme_path = g_getenv ("BANWATCH_ICON_PATH");

  self->app = app;
  self->indicator = app_indicator_new (APP_ID, "banwatch-unknown-symbolic",
                                       APP_INDICATOR_CATEGORY_APPLICATION_STATUS);
  if (theme_path != NULL)
    app_indicator_set_icon_theme_path (self->indicator, theme_path);

  g_signal_connect_object (bw_application_get_store (app), "items-changed",
                           G_CALLBACK (on_store_items_changed_cb), self, 0);
  g_signal_connect_object (bw_application_get_monitor (app), "status-changed",
                           G_CALLBACK (on_monitor_status_changed_cb), self, 0);
  update_now (self);
  return self;
}
