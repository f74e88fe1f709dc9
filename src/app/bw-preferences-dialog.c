// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-preferences-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-preferences-dialog.h"

/**
 * BwPreferencesDialog:
 *
 * The monitor's intervals and budgets and the client texts' language, bound straight to
 * GSettings: every change applies at once, and Escape closes.
 */
struct _BwPreferencesDialog
{
  GtkDialog        parent_instance;

  /* template widgets */
  GtkSpinButton   *check_interval;
  GtkSpinButton   *verify_interval;
  GtkSpinButton   *max_parallel;
  GtkSpinButton   *budget_per_minute;
  GtkSpinButton   *budget_per_ten_minutes;
  GtkSpinButton   *lighter_first_recheck;
  GtkSpinButton   *heavier_first_recheck;
  GtkSpinButton   *backoff_cap;
  GtkSpinButton   *reminder_interval;
  GtkSpinButton   *maintenance_interval;
  GtkComboBoxText *client_language;
};

G_DEFINE_FINAL_TYPE (BwPreferencesDialog, bw_preferences_dialog, GTK_TYPE_DIALOG)

static void
on_dialog_response_cb (GtkDialog *dialog,
                       int        response,
                       gpointer   user_data)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
bw_preferences_dialog_class_init (BwPreferencesDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, check_interval);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, verify_interval);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, max_parallel);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, budget_per_minute);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, budget_per_ten_minutes);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, lighter_first_recheck);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, heavier_first_recheck);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, backoff_cap);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, reminder_interval);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, maintenance_interval);
  gtk_widget_class_bind_template_child (widget_class, BwPreferencesDialog, client_language);
}

static void
bw_preferences_dialog_init (BwPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The header bar's close button and Escape close the dialog; it has no other response. */
  g_signal_connect (self, "response", G_CALLBACK (on_dialog_response_cb), NULL);
}

/**
 * bw_preferences_dialog_new:
 *
 * Returns: (transfer floating): the dialog, bound to @settings
 */
GtkWidget *
bw_preferences_dialog_new (GSettings *settings)
{
  BwPreferencesDialog *self = g_object_new (BW_TYPE_PREFERENCES_DIALOG, "use-header-bar", TRUE, NULL);
  const struct {
    const char    *key;
    GtkSpinButton *spin;
  } bindings[] = {
    { "check-interval", self->check_interval },
    { "verify-interval", self->verify_interval },
    { "max-parallel", self->max_parallel },
    { "budget-per-minute", self->budget_per_minute },
    { "budget-per-ten-minutes", self->budget_per_ten_minutes },
    { "lighter-first-recheck", self->lighter_first_recheck },
    { "heavier-first-recheck", self->heavier_first_recheck },
    { "backoff-cap", self->backoff_cap },
    { "reminder-interval", self->reminder_interval },
    { "maintenance-interval", self->maintenance_interval },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_bind (settings, bindings[i].key, bindings[i].spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "client-language", self->client_language, "active-id", G_SETTINGS_BIND_DEFAULT);
  return GTK_WIDGET (self);
}
