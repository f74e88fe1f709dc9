// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-tray"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libayatana-appindicator/app-indicator.h>
#include <libdbusmenu-glib/menuitem.h>
#include <libdbusmenu-glib/server.h>

#include "bw-tray.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AppIndicator, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DbusmenuMenuitem, g_object_unref)

/* The dbusmenu type of a separator (the protocol's word; libdbusmenu-glib keeps its name
 * in the client header). */
#define MENU_TYPE_SEPARATOR "separator"

/*
 * BwIndicator: an AppIndicator that tells its tray when it falls back to an XEmbed
 * GtkStatusIcon (no StatusNotifierWatcher) and when it comes back.
 */
#define BW_TYPE_INDICATOR (bw_indicator_get_type ())
G_DECLARE_FINAL_TYPE (BwIndicator, bw_indicator, BW, INDICATOR, AppIndicator)

static void bw_tray_set_fallback (BwTray  *self,
                                  gboolean fallback);

struct _BwIndicator
{
  AppIndicator parent_instance;

  /* borrowed; cleared by the tray before it drops the indicator */
  BwTray      *tray;
};

G_DEFINE_FINAL_TYPE (BwIndicator, bw_indicator, APP_INDICATOR_TYPE)

static GtkStatusIcon *
bw_indicator_fallback (AppIndicator *indicator)
{
  BwIndicator *self = BW_INDICATOR (indicator);
  GtkStatusIcon *icon = APP_INDICATOR_CLASS (bw_indicator_parent_class)->fallback (indicator);

  if (self->tray != NULL)
    bw_tray_set_fallback (self->tray, TRUE);
  return icon;
}

static void
bw_indicator_unfallback (AppIndicator  *indicator,
                         GtkStatusIcon *status_icon)
{
  BwIndicator *self = BW_INDICATOR (indicator);

  APP_INDICATOR_CLASS (bw_indicator_parent_class)->unfallback (indicator, status_icon);
  if (self->tray != NULL)
    bw_tray_set_fallback (self->tray, FALSE);
}

static void
bw_indicator_class_init (BwIndicatorClass *klass)
{
  APP_INDICATOR_CLASS (klass)->fallback = bw_indicator_fallback;
  APP_INDICATOR_CLASS (klass)->unfallback = bw_indicator_unfallback;
}

static void
bw_indicator_init (BwIndicator *self)
{
}

/**
 * BwTray:
 *
 * The tray icon, behind this one small class: a StatusNotifierItem through
 * libayatana-appindicator3, which falls back to an XEmbed GtkStatusIcon by itself when no
 * StatusNotifierWatcher runs. The icon shows the worst state, the title counts sites per
 * state, and the status asks for attention during a ban or a host-key alarm.
 *
 * The menu is exported as a plain dbusmenu tree, not as GTK widgets: one entry per site
 * (name, state and since when) whose submenu — Check now, Explain…, Copy safe command —
 * is filled when the tray host asks for it (AboutToShow), and only for one site at a
 * time. A GtkMenu per site costs about 100 KB; two hundred sites would make an idle tray
 * app six times the size of a bare one. Labels are updated in place when a state changes.
 * The GtkMenu that AppIndicator needs to register holds only the fixed entries, and the
 * full menu is built as widgets only while the XEmbed fallback shows it.
 */
struct _BwTray
{
  GObject           parent_instance;

  /* borrowed */
  BwApplication    *app;
  DbusmenuMenuitem *populated;    /* the site entry whose submenu exists now */
  DbusmenuMenuitem *mute_entry;

  /* owned */
  BwIndicator      *indicator;
  DbusmenuServer   *server;
  DbusmenuMenuitem *root;
  GtkWidget        *gtk_menu;
  guint             n_site_entries;
  gboolean          fallback;
  guint             update_id;
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
  g_autofree char *detailed = g_strconcat ("app.", action, NULL);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (item), detailed);
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

/* The menu's own entries, in the order, after the sites. */
typedef struct
{
  const char *label;
  const char *action;
} FixedEntry;

static const char *
mute_label (BwTray *self)
{
  return bw_monitor_get_muted_until (bw_application_get_monitor (self->app)) > 0
         ? _("Unmute") : _("Mute for 1 hour");
}

static GVariant *
mute_target (BwTray *self)
{
  return g_variant_new_int32 (bw_monitor_get_muted_until (bw_application_get_monitor (self->app)) > 0 ? 0 : 1);
}

/* The widget menu: the fixed entries, and in the XEmbed fallback the sites too. */
static GtkWidget *
build_gtk_menu (BwTray  *self,
                gboolean with_sites)
{
  BwSiteStore *store = bw_application_get_store (self->app);
  BwMonitor *monitor = bw_application_get_monitor (self->app);
  GtkWidget *menu = gtk_menu_new ();

  for (guint i = 0; with_sites && i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
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
      add_item (submenu, _("Check now"), "check-site", g_variant_new_string (id));
      add_item (submenu, _("Explain…"), "explain", g_variant_new_string (id));
      add_item (submenu, _("Copy safe command"), "copy-command", g_variant_new_string (id));
      gtk_menu_item_set_submenu (GTK_MENU_ITEM (item), submenu);
      gtk_menu_shell_append (GTK_MENU_SHELL (menu), item);
    }

  if (with_sites)
    gtk_menu_shell_append (GTK_MENU_SHELL (menu), gtk_separator_menu_item_new ());
  add_item (menu, _("Check all now"), "check-all", NULL);
  add_item (menu, _("Open Banwatch"), "open", NULL);
  add_item (menu, mute_label (self), "mute", mute_target (self));
  add_item (menu, _("Maintenance mode…"), "maintenance", NULL);
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), gtk_separator_menu_item_new ());
  add_item (menu, _("Quit"), "quit", NULL);

  /* Menu items reach app.* actions through the menu's own action group. */
  gtk_widget_insert_action_group (menu, "app", G_ACTION_GROUP (self->app));
  gtk_widget_show_all (menu);
  return menu;
}

/* Hands AppIndicator a widget menu (it registers only once it has one) and keeps the
 * dbusmenu tree exported: app_indicator_set_menu() exports a copy of the widgets. */
static void
set_gtk_menu (BwTray *self)
{
  GtkWidget *menu = build_gtk_menu (self, self->fallback);

  app_indicator_set_menu (APP_INDICATOR (self->indicator), GTK_MENU (menu));
  g_clear_object (&self->gtk_menu);
  self->gtk_menu = g_object_ref_sink (menu);
  dbusmenu_server_set_root (self->server, self->root);
}

/* dbusmenu labels use "_" for mnemonics; a site name shows its underscores as typed. */
static char *
escape_mnemonics (const char *text)
{
  g_autoptr(GString) out = g_string_new (text);

  g_string_replace (out, "_", "__", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
set_label (DbusmenuMenuitem *entry,
           const char       *label)
{
  g_autofree char *escaped = escape_mnemonics (label);

  dbusmenu_menuitem_property_set (entry, DBUSMENU_MENUITEM_PROP_LABEL, escaped);
  dbusmenu_menuitem_property_set (entry, DBUSMENU_MENUITEM_PROP_ACCESSIBLE_DESC, label);
}

static void
on_entry_activated_cb (DbusmenuMenuitem *entry,
                       guint             timestamp,
                       BwTray           *self)
{
  const char *action = g_object_get_data (G_OBJECT (entry), "bw-action");
  GVariant *target = g_object_get_data (G_OBJECT (entry), "bw-target");

  g_action_group_activate_action (G_ACTION_GROUP (self->app), action, target);
}

static void
set_action (DbusmenuMenuitem *entry,
            const char       *action,
            GVariant         *target)
{
  g_object_set_data (G_OBJECT (entry), "bw-action", (gpointer) action);
  if (target != NULL)
    g_object_set_data_full (G_OBJECT (entry), "bw-target", g_variant_ref_sink (target),
                            (GDestroyNotify) g_variant_unref);
}

/* An entry with a label that runs app.@action (a static string) with @target. */
static DbusmenuMenuitem *
entry_new (BwTray     *self,
           const char *label,
           const char *action,
           GVariant   *target)
{
  DbusmenuMenuitem *entry = dbusmenu_menuitem_new ();

  set_label (entry, label);
  set_action (entry, action, target);
  g_signal_connect_object (entry, DBUSMENU_MENUITEM_SIGNAL_ITEM_ACTIVATED,
                           G_CALLBACK (on_entry_activated_cb), self, 0);
  return entry;
}

static DbusmenuMenuitem *
separator_new (void)
{
  DbusmenuMenuitem *entry = dbusmenu_menuitem_new ();

  dbusmenu_menuitem_property_set (entry, DBUSMENU_MENUITEM_PROP_TYPE, MENU_TYPE_SEPARATOR);
  return entry;
}

static void
clear_submenu (DbusmenuMenuitem *entry)
{
  GList *children = dbusmenu_menuitem_take_children (entry);

  g_list_free_full (children, g_object_unref);
}

/* The host is about to open a site's submenu: fill it, and empty the one filled before. */
static gboolean
on_site_about_to_show_cb (DbusmenuMenuitem *entry,
                          BwTray           *self)
{
  const char *id = g_object_get_data (G_OBJECT (entry), "bw-site-id");
  const FixedEntry actions[] = {
    { _("Check now"), "check-site" },
    { _("Explain…"), "explain" },
    { _("Copy safe command"), "copy-command" },
  };

  if (self->populated == entry)
    return TRUE;
  if (self->populated != NULL)
    clear_submenu (self->populated);
  self->populated = entry;

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autoptr(DbusmenuMenuitem) child = entry_new (self, actions[i].label, actions[i].action,
                                                     g_variant_new_string (id));

      dbusmenu_menuitem_child_append (entry, child);
    }
  return TRUE;
}

static DbusmenuMenuitem *
site_entry_new (BwTray     *self,
                BwSite     *site,
                const char *line)
{
  DbusmenuMenuitem *entry = dbusmenu_menuitem_new ();

  set_label (entry, line);
  dbusmenu_menuitem_property_set (entry, DBUSMENU_MENUITEM_PROP_CHILD_DISPLAY,
                                  DBUSMENU_MENUITEM_CHILD_DISPLAY_SUBMENU);
  g_object_set_data_full (G_OBJECT (entry), "bw-site-id", g_strdup (bw_site_get_id (site)), g_free);
  g_signal_connect_object (entry, DBUSMENU_MENUITEM_SIGNAL_ABOUT_TO_SHOW,
                           G_CALLBACK (on_site_about_to_show_cb), self, 0);
  return entry;
}

/* Whether the site entries stand for exactly the store's sites, in its order. */
static gboolean
site_entries_match (BwTray *self)
{
  GListModel *store = G_LIST_MODEL (bw_application_get_store (self->app));
  GList *children = dbusmenu_menuitem_get_children (self->root);

  if (self->n_site_entries != g_list_model_get_n_items (store))
    return FALSE;
  for (guint i = 0; i < self->n_site_entries; i++, children = children->next)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (store, i);

      if (g_strcmp0 (g_object_get_data (children->data, "bw-site-id"), bw_site_get_id (site)) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
sync_menu (BwTray *self)
{
  GListModel *store = G_LIST_MODEL (bw_application_get_store (self->app));
  BwMonitor *monitor = bw_application_get_monitor (self->app);
  guint n = g_list_model_get_n_items (store);
  gboolean rebuild = !site_entries_match (self);

  if (rebuild)
    {
      self->populated = NULL;
      for (; self->n_site_entries > 0; self->n_site_entries--)
        dbusmenu_menuitem_child_delete (self->root, dbusmenu_menuitem_get_children (self->root)->data);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (store, i);
      BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };
      g_autofree char *line = NULL;

      bw_monitor_get_status (monitor, site, &status);
      line = site_line (site, &status);
      if (rebuild)
        {
          g_autoptr(DbusmenuMenuitem) entry = site_entry_new (self, site, line);

          dbusmenu_menuitem_child_add_position (self->root, entry, i);
        }
      else
        {
          set_label (g_list_nth_data (dbusmenu_menuitem_get_children (self->root), i), line);
        }
    }
  self->n_site_entries = n;

  set_label (self->mute_entry, mute_label (self));
  set_action (self->mute_entry, "mute", mute_target (self));

  if (self->fallback)
    set_gtk_menu (self);
}

static void
build_fixed_entries (BwTray *self)
{
  const FixedEntry before_mute[] = {
    { N_("Check all now"), "check-all" },
    { N_("Open Banwatch"), "open" },
  };
  g_autoptr(DbusmenuMenuitem) separator = separator_new ();
  g_autoptr(DbusmenuMenuitem) mute = NULL;
  g_autoptr(DbusmenuMenuitem) maintenance = NULL;
  g_autoptr(DbusmenuMenuitem) separator2 = separator_new ();
  g_autoptr(DbusmenuMenuitem) quit = NULL;

  dbusmenu_menuitem_child_append (self->root, separator);
  for (guint i = 0; i < G_N_ELEMENTS (before_mute); i++)
    {
      g_autoptr(DbusmenuMenuitem) entry = entry_new (self, _(before_mute[i].label), before_mute[i].action, NULL);

      dbusmenu_menuitem_child_append (self->root, entry);
    }
  mute = entry_new (self, mute_label (self), "mute", mute_target (self));
  dbusmenu_menuitem_child_append (self->root, mute);
  self->mute_entry = mute;
  maintenance = entry_new (self, _("Maintenance mode…"), "maintenance", NULL);
  dbusmenu_menuitem_child_append (self->root, maintenance);
  dbusmenu_menuitem_child_append (self->root, separator2);
  quit = entry_new (self, _("Quit"), "quit", NULL);
  dbusmenu_menuitem_child_append (self->root, quit);
}

static void
bw_tray_set_fallback (BwTray  *self,
                      gboolean fallback)
{
  g_debug ("tray %s the XEmbed fallback", fallback ? "enters" : "leaves");
  self->fallback = fallback;
  set_gtk_menu (self);
}

static gboolean
update_now (gpointer user_data)
{
  BwTray *self = user_data;
  AppIndicator *indicator = APP_INDICATOR (self->indicator);
  BwSiteStore *store = bw_application_get_store (self->app);
  BwMonitor *monitor = bw_application_get_monitor (self->app);
  guint counts[BW_N_SITE_STATES] = { 0 };
  BwSiteState worst = BW_SITE_STATE_HEALTHY;
  gboolean attention = FALSE;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_autoptr(GString) title = g_string_new ("Banwatch");

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

  app_indicator_set_title (indicator, title->str);
  app_indicator_set_icon_full (indicator, bw_tray_icon_for_state (worst), bw_site_state_describe (worst));
  app_indicator_set_attention_icon_full (indicator, bw_tray_icon_for_state (worst),
                                         bw_site_state_describe (worst));
  app_indicator_set_status (indicator, attention ? APP_INDICATOR_STATUS_ATTENTION
                                                 : APP_INDICATOR_STATUS_ACTIVE);
  sync_menu (self);

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
  if (self->indicator != NULL)
    self->indicator->tray = NULL;
  g_clear_object (&self->indicator);
  g_clear_object (&self->server);
  self->populated = NULL;
  self->mute_entry = NULL;
  g_clear_object (&self->root);
  g_clear_object (&self->gtk_menu);

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
  g_autofree char *clean_id = g_strdelimit (g_strdup (APP_ID), ".-", '_');
  g_autofree char *menu_path = g_strdup_printf ("/org/ayatana/NotificationItem/%s/Menu", clean_id);

  self->app = app;
  self->root = dbusmenu_menuitem_new ();
  build_fixed_entries (self);
  self->server = dbusmenu_server_new (menu_path);
  dbusmenu_server_set_root (self->server, self->root);

  self->indicator = g_object_new (BW_TYPE_INDICATOR,
                                  "id", APP_ID,
                                  "icon-name", "banwatch-unknown-symbolic",
                                  "category", "ApplicationStatus",
                                  "dbus-menu-server", self->server,
                                  NULL);
  self->indicator->tray = self;
  if (theme_path != NULL)
    app_indicator_set_icon_theme_path (APP_INDICATOR (self->indicator), theme_path);
  set_gtk_menu (self);

  g_signal_connect_object (bw_application_get_store (app), "items-changed",
                           G_CALLBACK (on_store_items_changed_cb), self, 0);
  g_signal_connect_object (bw_application_get_monitor (app), "status-changed",
                           G_CALLBACK (on_monitor_status_changed_cb), self, 0);
  update_now (self);
  return self;
}
