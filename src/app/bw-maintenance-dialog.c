// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-maintenance-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-maintenance-dialog.h"

/**
 * BwMaintenanceDialog:
 *
 * Chooses the sites under maintenance and for how long (30 minutes to 8 hours), then
 * hands them to bw_monitor_set_maintenance(). Maintenance ends by itself.
 */
struct _BwMaintenanceDialog
{
  GtkDialog        parent_instance;

  /* template widgets */
  GtkListBox      *site_list;
  GtkComboBoxText *duration_combo;
  GtkWidget       *start_button;

  /* borrowed */
  BwApplication   *app;
};

G_DEFINE_FINAL_TYPE (BwMaintenanceDialog, bw_maintenance_dialog, GTK_TYPE_DIALOG)

static GPtrArray *
dup_checked_ids (BwMaintenanceDialog *self)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->site_list));
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (GList *l = rows; l != NULL; l = l->next)
    {
      GtkWidget *check = gtk_bin_get_child (GTK_BIN (l->data));

      if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)))
        g_ptr_array_add (ids, g_strdup (g_object_get_data (G_OBJECT (check), "bw-site-id")));
    }
  return ids;
}

static void
on_check_toggled_cb (GtkToggleButton     *check,
                     BwMaintenanceDialog *self)
{
  g_autoptr(GPtrArray) ids = dup_checked_ids (self);

  gtk_widget_set_sensitive (self->start_button, ids->len > 0);
}

static void
on_end_button_clicked_cb (GtkButton           *button,
                          BwMaintenanceDialog *self)
{
  bw_monitor_set_maintenance (bw_application_get_monitor (self->app), NULL, 0);
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
on_dialog_response_cb (GtkDialog           *dialog,
                       int                  response,
                       BwMaintenanceDialog *self)
{
  if (response == GTK_RESPONSE_OK)
    {
      g_autoptr(GPtrArray) ids = dup_checked_ids (self);
      const char *minutes = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->duration_combo));
      gint64 duration = g_ascii_strtoll (minutes != NULL ? minutes : "120", NULL, 10) * 60 * G_USEC_PER_SEC;

      if (ids->len == 0)
        return;
      g_ptr_array_add (ids, NULL);
      bw_monitor_set_maintenance (bw_application_get_monitor (self->app),
                                  (const char * const *) ids->pdata, g_get_real_time () + duration);
    }
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
bw_maintenance_dialog_class_init (BwMaintenanceDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-maintenance-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BwMaintenanceDialog, site_list);
  gtk_widget_class_bind_template_child (widget_class, BwMaintenanceDialog, duration_combo);
  gtk_widget_class_bind_template_child (widget_class, BwMaintenanceDialog, start_button);
  gtk_widget_class_bind_template_callback (widget_class, on_end_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dialog_response_cb);
}

static void
bw_maintenance_dialog_init (BwMaintenanceDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_OK);
}

/**
 * bw_maintenance_dialog_new:
 *
 * Returns: (transfer floating): the dialog; it destroys itself when done
 */
GtkWidget *
bw_maintenance_dialog_new (BwApplication *app)
{
  BwMaintenanceDialog *self = g_object_new (BW_TYPE_MAINTENANCE_DIALOG, "use-header-bar", TRUE, NULL);
  GListModel *sites = G_LIST_MODEL (bw_application_get_store (app));

  self->app = app;
  for (guint i = 0; i < g_list_model_get_n_items (sites); i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (sites, i);
      g_autofree char *destination = bw_site_dup_destination (site);
      g_autofree char *label = g_strdup_printf ("%s  (%s)", bw_site_get_name (site), destination);
      GtkWidget *check = gtk_check_button_new_with_label (label);

      g_object_set_data_full (G_OBJECT (check), "bw-site-id", g_strdup (bw_site_get_id (site)), g_free);
      atk_object_set_name (gtk_widget_get_accessible (check), bw_site_get_name (site));
      g_object_set (check, "margin", 6, NULL);
      g_signal_connect_object (check, "toggled", G_CALLBACK (on_check_toggled_cb), self, 0);
      gtk_widget_show (check);
      gtk_container_add (GTK_CONTAINER (self->site_list), check);
    }
  return GTK_WIDGET (self);
}
