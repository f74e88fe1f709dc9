// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site-row"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-site-row.h"

/**
 * BwSiteRow:
 *
 * One line of the site list: name, "user@host:port", a state badge, the last and next
 * check, the recovery estimate during a ban and the site a healthy state came through.
 * It follows its own site's #BwMonitor::status-changed.
 */
struct _BwSiteRow
{
  GtkListBoxRow  parent_instance;

  /* template widgets */
  GtkLabel      *name_label;
  GtkLabel      *address_label;
  GtkLabel      *badge;
  GtkLabel      *last_label;
  GtkLabel      *next_label;
  GtkLabel      *estimate_label;
  GtkLabel      *via_label;

  /* owned */
  BwSite        *site;
  gulong         status_changed_id;

  /* borrowed */
  BwMonitor     *monitor;
};

G_DEFINE_FINAL_TYPE (BwSiteRow, bw_site_row, GTK_TYPE_LIST_BOX_ROW)

/**
 * bw_site_row_state_word:
 *
 * Returns: the badge's words for @state; the ban stages always say "likely"
 */
const char *
bw_site_row_state_word (BwSiteState state)
{
  switch (state)
    {
    case BW_SITE_STATE_HEALTHY:
      return _("Healthy");
    case BW_SITE_STATE_LIGHTER_BAN:
      return _("Likely banned (lighter stage)");
    case BW_SITE_STATE_HEAVIER_BAN:
      return _("Likely banned (heavier stage)");
    case BW_SITE_STATE_SILENT_BLOCK:
      return _("Likely blocked silently");
    case BW_SITE_STATE_SERVER_DOWN:
      return _("Server down");
    case BW_SITE_STATE_LOCAL_NETWORK:
      return _("Your network is down");
    case BW_SITE_STATE_AUTH_PROBLEM:
      return _("Key or user rejected");
    case BW_SITE_STATE_HOSTKEY_ALARM:
      return _("Host key changed");
    case BW_SITE_STATE_NEEDS_TRUST:
      return _("Host key not trusted yet");
    case BW_SITE_STATE_CONFIG_ERROR:
      return _("Settings need fixing");
    case BW_SITE_STATE_UNKNOWN:
    case BW_N_SITE_STATES:
    default:
      return _("Not checked yet");
    }
}

/**
 * bw_site_row_style_badge:
 *
 * Gives @badge the colour of @state (style classes "bw-badge" and "bw-state-WORD",
 * defined in style.css), replacing the previous state's.
 */
void
bw_site_row_style_badge (GtkWidget   *badge,
                         BwSiteState  state)
{
  GtkStyleContext *context = gtk_widget_get_style_context (badge);
  g_autofree char *class = g_strdup_printf ("bw-state-%s", bw_site_state_to_string (state));

  for (guint s = 0; s < BW_N_SITE_STATES; s++)
    {
      g_autofree char *other = g_strdup_printf ("bw-state-%s", bw_site_state_to_string (s));
      gtk_style_context_remove_class (context, other);
    }
  gtk_style_context_add_class (context, "bw-badge");
  gtk_style_context_add_class (context, class);
}

/**
 * bw_site_row_format_time:
 * @usec: wall-clock time in microseconds
 *
 * Returns: (transfer full): "14:03" today, "Nov 21 14:03" on another day
 */
char *
bw_site_row_format_time (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%H:%M");
  /* Translators: a date and time in the site list, see strftime(3) */
  return g_date_time_format (when, _("%b %-d %H:%M"));
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

/**
 * bw_site_row_update:
 *
 * Reads the site and its status again.
 */
void
bw_site_row_update (BwSiteRow *self)
{
  BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };
  g_autofree char *address = NULL;
  g_autofree char *last = NULL;
  g_autofree char *next = NULL;
  g_autofree char *estimate = NULL;
  g_autofree char *via = NULL;
  g_autofree char *accessible = NULL;
  g_autofree char *destination = bw_site_dup_destination (self->site);
  const char *word;

  if (self->monitor != NULL)
    bw_monitor_get_status (self->monitor, self->site, &status);

  gtk_label_set_text (self->name_label, bw_site_get_name (self->site));
  /* Translators: user@host:port */
  address = g_strdup_printf (_("%s@%s"), bw_site_get_user (self->site), destination);
  gtk_label_set_text (self->address_label, address);

  word = bw_site_row_state_word (status.state);
  gtk_label_set_text (self->badge, word);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->badge),
                               status.message != NULL ? status.message : bw_site_state_describe (status.state));
  bw_site_row_style_badge (GTK_WIDGET (self->badge), status.state);

  if (status.last_check > 0)
    {
      g_autofree char *when = bw_site_row_format_time (status.last_check);
      /* Translators: when the state was last established */
      last = g_strdup_printf (_("Checked %s"), when);
    }
  else
    last = g_strdup (_("Never checked"));
  set_label (self->last_label, last);

  if (status.next_check > 0)
    {
      g_autofree char *when = bw_site_row_format_time (status.next_check);
      next = g_strdup_printf (_("Next check %s"), when);
    }
  else
    next = g_strdup (_("No check scheduled"));
  set_label (self->next_label, next);

  if (bw_site_state_is_ban (status.state) && self->monitor != NULL)
    {
      BwEstimate e;

      if (bw_monitor_get_estimate (self->monitor, self->site, &e))
        estimate = bw_monitor_format_estimate (&e);
      else
        estimate = g_strdup (_("No estimate yet: this server has no past bans on record"));
    }
  set_label (self->estimate_label, estimate);

  if (status.verified_via != NULL && !status.probed)
    /* Translators: the site whose check decided this site's state */
    via = g_strdup_printf (_("via %s"), status.verified_via);
  set_label (self->via_label, via);

  /* Screen readers hear the row as one sentence. */
  accessible = g_strdup_printf ("%s, %s", bw_site_get_name (self->site), word);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), accessible);
}

static void
on_monitor_status_changed_cb (BwMonitor *monitor,
                              BwSite    *site,
                              BwSiteRow *self)
{
  if (g_strcmp0 (bw_site_get_id (site), bw_site_get_id (self->site)) == 0)
    bw_site_row_update (self);
}

static void
bw_site_row_dispose (GObject *object)
{
  BwSiteRow *self = (BwSiteRow *) object;

  /* A destroyed row may outlive its labels (an accessibility client can hold it). */
  g_clear_signal_handler (&self->status_changed_id, self->monitor);
  g_clear_object (&self->site);

  G_OBJECT_CLASS (bw_site_row_parent_class)->dispose (object);
}

static void
bw_site_row_class_init (BwSiteRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bw_site_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-site-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, address_label);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, badge);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, last_label);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, next_label);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, estimate_label);
  gtk_widget_class_bind_template_child (widget_class, BwSiteRow, via_label);
}

static void
bw_site_row_init (BwSiteRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * bw_site_row_new:
 * @monitor: (nullable): where the state comes from
 *
 * Returns: (transfer floating): a row for @site
 */
BwSiteRow *
bw_site_row_new (BwSite    *site,
                 BwMonitor *monitor)
{
  BwSiteRow *self = g_object_new (BW_TYPE_SITE_ROW, NULL);

  self->site = g_object_ref (site);
  self->monitor = monitor;
  if (monitor != NULL)
    self->status_changed_id = g_signal_connect_object (monitor, "status-changed",
                                                       G_CALLBACK (on_monitor_status_changed_cb), self, 0);
  bw_site_row_update (self);
  return self;
}

BwSite *
bw_site_row_get_site (BwSiteRow *self)
{
  return self->site;
}
