// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-explain-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-explain-dialog.h"
#include "bw-site-row.h"

/**
 * BwExplainDialog:
 *
 * What to tell the client, what to do yourself, and the hardened command for the first
 * login after a ban, for one site in its current state. The client text's language is
 * chosen apart from the interface's (GSettings client-language by default).
 */
struct _BwExplainDialog
{
  GtkDialog        parent_instance;

  /* template widgets */
  GtkLabel        *badge;
  GtkLabel        *state_label;
  GtkComboBoxText *language_combo;
  GtkComboBoxText *format_combo;
  GtkTextView     *client_view;
  GtkTextView     *operator_view;
  GtkTextView     *command_view;
  GtkWidget       *copy_client_button;
  GtkWidget       *copy_operator_button;
  GtkWidget       *copy_command_button;
  GtkLabel        *error_label;

  /* owned */
  BwSite          *site;
  gulong           status_changed_id;

  /* borrowed */
  BwApplication   *app;
  BwMonitor       *monitor;
};

G_DEFINE_FINAL_TYPE (BwExplainDialog, bw_explain_dialog, GTK_TYPE_DIALOG)

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

static char *
dup_view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
refresh (BwExplainDialog *self)
{
  const char *lang = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->language_combo));
  const char *format = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->format_combo));
  BwSiteStatus status = { .state = BW_SITE_STATE_UNKNOWN };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *client = NULL;
  g_autofree char *operator = NULL;
  g_autofree char *command = NULL;

  bw_monitor_get_status (bw_application_get_monitor (self->app), self->site, &status);
  gtk_label_set_text (self->badge, bw_site_row_state_word (status.state));
  bw_site_row_style_badge (GTK_WIDGET (self->badge), status.state);
  gtk_label_set_text (self->state_label, bw_site_state_describe (status.state));

  client = bw_application_dup_client_text (self->app, self->site, lang != NULL ? lang : "en", TRUE, &error);
  if (client == NULL)
    g_string_append_printf (problems, "%s\n", error->message);
  g_clear_error (&error);
  operator = bw_application_dup_client_text (self->app, self->site, lang != NULL ? lang : "en", FALSE, &error);
  if (operator == NULL)
    g_string_append_printf (problems, "%s\n", error->message);
  g_clear_error (&error);
  /* A site imported without a key has no command yet: say why instead. */
  command = bw_application_dup_command (self->app, self->site, format != NULL ? format : "ssh", &error);
  if (command == NULL)
    g_string_append_printf (problems, "%s\n", error->message);

  set_view_text (self->client_view, client);
  set_view_text (self->operator_view, operator);
  set_view_text (self->command_view, command);
  gtk_widget_set_sensitive (self->copy_client_button, client != NULL);
  gtk_widget_set_sensitive (self->copy_operator_button, operator != NULL);
  gtk_widget_set_sensitive (self->copy_command_button, command != NULL);

  g_strchomp (problems->str);
  gtk_label_set_text (self->error_label, problems->str);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), problems->str[0] != '\0');
}

static void
on_combo_changed_cb (GtkComboBox     *combo,
                     BwExplainDialog *self)
{
  if (self->app != NULL)
    refresh (self);
}

static void
on_copy_button_clicked_cb (GtkButton       *button,
                           BwExplainDialog *self)
{
  GtkTextView *view = GTK_WIDGET (button) == self->copy_client_button ? self->client_view
                    : GTK_WIDGET (button) == self->copy_operator_button ? self->operator_view
                    : self->command_view;
  g_autofree char *text = dup_view_text (view);

  bw_application_copy_to_clipboard (self->app, text);
}

static void
on_monitor_status_changed_cb (BwMonitor       *monitor,
                              BwSite          *site,
                              BwExplainDialog *self)
{
  if (g_strcmp0 (bw_site_get_id (site), bw_site_get_id (self->site)) == 0)
    refresh (self);
}

static void
on_dialog_response_cb (GtkDialog       *dialog,
                       int              response,
                       BwExplainDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
bw_explain_dialog_dispose (GObject *object)
{
  BwExplainDialog *self = (BwExplainDialog *) object;

  g_clear_signal_handler (&self->status_changed_id, self->monitor);

  G_OBJECT_CLASS (bw_explain_dialog_parent_class)->dispose (object);
}

static void
bw_explain_dialog_finalize (GObject *object)
{
  BwExplainDialog *self = (BwExplainDialog *) object;

  g_clear_object (&self->site);

  G_OBJECT_CLASS (bw_explain_dialog_parent_class)->finalize (object);
}

static void
bw_explain_dialog_class_init (BwExplainDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bw_explain_dialog_dispose;
  object_class->finalize = bw_explain_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-explain-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, badge);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, state_label);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, language_combo);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, format_combo);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, client_view);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, operator_view);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, command_view);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, copy_client_button);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, copy_operator_button);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, copy_command_button);
  gtk_widget_class_bind_template_child (widget_class, BwExplainDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_combo_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dialog_response_cb);
}

static void
bw_explain_dialog_init (BwExplainDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_CLOSE);
}

/**
 * bw_explain_dialog_new:
 *
 * Returns: (transfer floating): the dialog for @site; it destroys itself when closed
 */
GtkWidget *
bw_explain_dialog_new (BwApplication *app,
                       BwSite        *site)
{
  BwExplainDialog *self = g_object_new (BW_TYPE_EXPLAIN_DIALOG, "use-header-bar", TRUE, NULL);
  g_autofree char *lang = g_settings_get_string (bw_application_get_settings (app), "client-language");
  g_autofree char *title = g_strdup_printf (_("Explain “%s”"), bw_site_get_name (site));

  self->site = g_object_ref (site);
  gtk_window_set_title (GTK_WINDOW (self), title);
  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->language_combo), lang))
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->language_combo), "en");
  self->app = app;
  self->monitor = bw_application_get_monitor (app);
  self->status_changed_id = g_signal_connect_object (self->monitor, "status-changed",
                                                     G_CALLBACK (on_monitor_status_changed_cb), self, 0);
  refresh (self);
  return GTK_WIDGET (self);
}
