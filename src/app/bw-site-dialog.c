// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site-dialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "core/bw-provider.h"
#include "core/bw-validate.h"
#include "probe/bw-key-check.h"
#include "probe/bw-probe-child.h"
#include "bw-site-dialog.h"

/**
 * BwSiteDialog:
 *
 * Add or edit a site. Every change runs bw_site_apply_fields(), the one validation path
 * the command line and the importers use too, and shows its message under the field it
 * is about; Save stays insensitive while anything is invalid. Save then checks the key
 * file with the passphrase (locally, no connection) and the name's uniqueness, and only
 * then writes to the keyring. An invalid form is never stored.
 */
struct _BwSiteDialog
{
  GtkDialog        parent_instance;

  /* template widgets */
  GtkEntry        *name_entry;
  GtkEntry        *host_entry;
  GtkEntry        *port_entry;
  GtkEntry        *user_entry;
  GtkEntry        *key_entry;
  GtkEntry        *passphrase_entry;
  GtkFileChooser  *key_chooser;
  GtkComboBoxText *provider_combo;
  GtkTextView     *notes_view;
  GtkLabel        *provider_hint;
  GtkLabel        *name_error;
  GtkLabel        *host_error;
  GtkLabel        *port_error;
  GtkLabel        *user_error;
  GtkLabel        *key_error;
  GtkLabel        *notes_error;
  GtkLabel        *form_error;
  GtkWidget       *save_button;
  GtkSpinner      *spinner;

  /* owned */
  GCancellable    *cancellable;
  BwSite          *original;            /* NULL when adding */
  BwSite          *pending;             /* validated copy being saved */
  char            *pending_passphrase;  /* NULL keeps the stored one */
  GHashTable      *touched;             /* widgets the user has changed */

  /* borrowed */
  BwApplication   *app;

  gboolean         loading;
  gboolean         port_touched;
  gboolean         show_all_errors;
  gboolean         saving;
};

G_DEFINE_FINAL_TYPE (BwSiteDialog, bw_site_dialog, GTK_TYPE_DIALOG)

static void
secret_free (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static char *
dup_notes (BwSiteDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->notes_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
get_provider (BwSiteDialog *self)
{
  const char *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->provider_combo));

  return id != NULL ? id : bw_provider_default ()->id;
}

/* The fields as typed. @notes is the caller's. */
static void
get_fields (BwSiteDialog *self,
            BwSiteFields *fields,
            char         *notes)
{
  *fields = (BwSiteFields) {
    .name = gtk_entry_get_text (self->name_entry),
    .host = gtk_entry_get_text (self->host_entry),
    .port = gtk_entry_get_text (self->port_entry),
    .user = gtk_entry_get_text (self->user_entry),
    .key = gtk_entry_get_text (self->key_entry),
    .provider = get_provider (self),
    .notes = notes,
  };
}

/* One field alone, on a site whose other fields are valid: whatever fails is that
 * field's fault, so each field gets its own message at the same time. */
static char *
field_error (const BwSiteFields *only)
{
  g_autoptr(BwSite) scratch = bw_site_new ();
  g_autoptr(GError) error = NULL;

  bw_site_set_name (scratch, "site");
  bw_site_set_host (scratch, "localhost");
  bw_site_set_user (scratch, "user");
  if (bw_site_apply_fields (scratch, only, FALSE, &error))
    return NULL;
  return g_strdup (error->message);
}

static void
show_error (BwSiteDialog *self,
            GtkLabel     *label,
            GtkWidget    *field,
            const char   *message)
{
  gboolean show = message != NULL &&
                  (self->show_all_errors || g_hash_table_contains (self->touched, field));
  GtkStyleContext *context = gtk_widget_get_style_context (field);

  gtk_label_set_text (label, show ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), show);
  if (show)
    gtk_style_context_add_class (context, "error");
  else
    gtk_style_context_remove_class (context, "error");
}

static gboolean
validate (BwSiteDialog *self)
{
  g_autofree char *notes = dup_notes (self);
  g_autofree char *name_message = NULL;
  g_autofree char *host_message = NULL;
  g_autofree char *port_message = NULL;
  g_autofree char *user_message = NULL;
  g_autofree char *key_message = NULL;
  g_autofree char *notes_message = NULL;
  g_autoptr(BwSite) scratch = NULL;
  g_autoptr(GError) error = NULL;
  BwSiteFields fields;
  gboolean valid;

  get_fields (self, &fields, notes);

  name_message = field_error (&(BwSiteFields) { .name = fields.name });
  if (name_message == NULL &&
      !bw_site_store_check_name (bw_application_get_store (self->app), fields.name,
                                 self->original != NULL ? bw_site_get_id (self->original) : NULL, &error))
    name_message = g_strdup (error->message);
  g_clear_error (&error);
  host_message = field_error (&(BwSiteFields) { .host = fields.host });
  port_message = field_error (&(BwSiteFields) { .port = fields.port });
  user_message = field_error (&(BwSiteFields) { .user = fields.user });
  key_message = field_error (&(BwSiteFields) { .key = fields.key });
  notes_message = field_error (&(BwSiteFields) { .notes = fields.notes });

  show_error (self, self->name_error, GTK_WIDGET (self->name_entry), name_message);
  show_error (self, self->host_error, GTK_WIDGET (self->host_entry), host_message);
  show_error (self, self->port_error, GTK_WIDGET (self->port_entry), port_message);
  show_error (self, self->user_error, GTK_WIDGET (self->user_entry), user_message);
  show_error (self, self->key_error, GTK_WIDGET (self->key_entry), key_message);
  show_error (self, self->notes_error, GTK_WIDGET (self->notes_view), notes_message);

  /* The whole form through the same path, as Save will store it. */
  scratch = self->original != NULL ? bw_site_copy (self->original) : bw_site_new ();
  valid = name_message == NULL && bw_site_apply_fields (scratch, &fields, self->original == NULL, NULL);

  gtk_widget_set_sensitive (self->save_button, valid && !self->saving);
  return valid;
}

static void
update_provider_hint (BwSiteDialog *self)
{
  const BwProvider *provider = bw_provider_lookup (get_provider (self));
  const char *notes = provider != NULL && provider->notes != NULL ? _(provider->notes) : NULL;

  gtk_label_set_text (self->provider_hint, notes != NULL ? notes : "");
  gtk_widget_set_visible (GTK_WIDGET (self->provider_hint), notes != NULL);
}

static void
on_field_changed_cb (GtkWidget    *field,
                     BwSiteDialog *self)
{
  if (self->loading)
    return;
  g_hash_table_add (self->touched, field);
  if (field == GTK_WIDGET (self->port_entry))
    self->port_touched = TRUE;
  gtk_widget_hide (GTK_WIDGET (self->form_error));
  validate (self);
}

static void
on_notes_changed_cb (GtkTextBuffer *buffer,
                     BwSiteDialog  *self)
{
  on_field_changed_cb (GTK_WIDGET (self->notes_view), self);
}

static void
on_provider_combo_changed_cb (GtkComboBox  *combo,
                              BwSiteDialog *self)
{
  const BwProvider *provider = bw_provider_lookup (get_provider (self));

  update_provider_hint (self);
  if (self->loading)
    return;

  /* Xserver → 10022, unless the user typed a port of their own. */
  if (provider != NULL && !self->port_touched)
    {
      g_autofree char *port = g_strdup_printf ("%u", provider->default_port);

      self->loading = TRUE;
      gtk_entry_set_text (self->port_entry, port);
      self->loading = FALSE;
    }
  validate (self);
}

static void
on_key_chooser_file_set_cb (GtkFileChooserButton *button,
                            BwSiteDialog         *self)
{
  g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (button));

  if (path != NULL)
    gtk_entry_set_text (self->key_entry, path);
}

static void
set_saving (BwSiteDialog *self,
            gboolean      saving)
{
  self->saving = saving;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), saving);
  if (saving)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  validate (self);
}

static void
show_form_error (BwSiteDialog *self,
                 const char   *message)
{
  gtk_label_set_text (self->form_error, message);
  gtk_widget_show (GTK_WIDGET (self->form_error));
}

static void
on_saved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BwSiteDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bw_site_store_save_finish (BW_SITE_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_saving (self, FALSE);
      show_form_error (self, error->message);
      return;
    }

  bw_application_show_site (self->app, self->pending);
  gtk_widget_destroy (GTK_WIDGET (self));
}

typedef struct {
  char     *path;
  char     *passphrase;   /* NULL: inspect only, the stored passphrase is kept */
} KeyCheck;

static void
key_check_free (KeyCheck *check)
{
  g_clear_pointer (&check->path, g_free);
  g_clear_pointer (&check->passphrase, secret_free);
  g_free (check);
}

static void
key_inspect_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  KeyCheck *check = task_data;
  BwKeyInfo *info;
  GError *error = NULL;

  info = bw_key_inspect (check->path, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) bw_key_info_free);
}

/* Either way the answer is a BwKeyInfo, or an error to show under the key field. */
static BwKeyInfo *
key_check_finish (GAsyncResult  *result,
                  GError       **error)
{
  if (g_task_get_source_tag (G_TASK (result)) == bw_key_check_child_async)
    return bw_key_check_child_finish (result, error);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_key_checked_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(BwSiteDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BwKeyInfo) info = key_check_finish (result, &error);

  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_saving (self, FALSE);
      g_hash_table_add (self->touched, self->key_entry);
      gtk_label_set_text (self->key_error, error->message);
      gtk_widget_show (GTK_WIDGET (self->key_error));
      gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->key_entry)), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->key_entry));
      return;
    }

  bw_site_store_save_async (bw_application_get_store (self->app), self->pending, self->pending_passphrase,
                            self->cancellable, on_saved_cb, g_object_ref (self));
}

static void
save (BwSiteDialog *self)
{
  g_autofree char *notes = dup_notes (self);
  g_autoptr(BwSite) site = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  const char *passphrase = gtk_entry_get_text (self->passphrase_entry);
  KeyCheck *check;
  BwSiteFields fields;

  self->show_all_errors = TRUE;
  if (self->saving || !validate (self))
    return;

  get_fields (self, &fields, notes);
  site = self->original != NULL ? bw_site_copy (self->original) : bw_site_new ();
  if (!bw_site_apply_fields (site, &fields, self->original == NULL, &error) ||
      !bw_site_store_check_name (bw_application_get_store (self->app), bw_site_get_name (site),
                                 bw_site_get_id (site), &error))
    {
      show_form_error (self, error->message);
      return;
    }

  g_set_object (&self->pending, site);
  g_clear_pointer (&self->pending_passphrase, secret_free);
  check = g_new0 (KeyCheck, 1);
  check->path = g_strdup (bw_site_get_key_path (site));
  /* Editing with the passphrase left empty keeps the stored one; the key file is then
   * inspected without decrypting it. */
  if (self->original == NULL || *passphrase != '\0' || !bw_site_get_has_passphrase (self->original))
    {
      self->pending_passphrase = g_strdup (passphrase);
      check->passphrase = g_strdup (passphrase);
    }

  set_saving (self, TRUE);
  /* Decrypting runs the bcrypt KDF, up to seconds, and needs libssh: in a `banwatch
   * key-check` child. Inspecting the file needs neither: in a thread. */
  if (check->passphrase != NULL)
    {
      bw_key_check_child_async (check->path, check->passphrase, self->cancellable,
                                on_key_checked_cb, g_object_ref (self));
      key_check_free (check);
      return;
    }

  task = g_task_new (NULL, self->cancellable, on_key_checked_cb, g_object_ref (self));
  g_task_set_source_tag (task, save);
  g_task_set_task_data (task, check, (GDestroyNotify) key_check_free);
  g_task_run_in_thread (task, key_inspect_thread);
}

static void
on_dialog_response_cb (GtkDialog    *dialog,
                       int           response,
                       BwSiteDialog *self)
{
  if (response == GTK_RESPONSE_OK)
    save (self);
  else
    gtk_widget_destroy (GTK_WIDGET (self));
}

static void
bw_site_dialog_dispose (GObject *object)
{
  BwSiteDialog *self = (BwSiteDialog *) object;

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (bw_site_dialog_parent_class)->dispose (object);
}

static void
bw_site_dialog_finalize (GObject *object)
{
  BwSiteDialog *self = (BwSiteDialog *) object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->original);
  g_clear_object (&self->pending);
  g_clear_pointer (&self->pending_passphrase, secret_free);
  g_clear_pointer (&self->touched, g_hash_table_unref);

  G_OBJECT_CLASS (bw_site_dialog_parent_class)->finalize (object);
}

static void
bw_site_dialog_class_init (BwSiteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bw_site_dialog_dispose;
  object_class->finalize = bw_site_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-site-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, host_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, port_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, user_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, key_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, passphrase_entry);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, key_chooser);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, provider_combo);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, notes_view);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, provider_hint);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, name_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, host_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, port_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, user_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, key_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, notes_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, form_error);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, BwSiteDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_provider_combo_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_key_chooser_file_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dialog_response_cb);
}

static void
bw_site_dialog_init (BwSiteDialog *self)
{
  guint n_providers;
  const BwProvider *providers = bw_provider_get_all (&n_providers);
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);

  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->touched = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < n_providers; i++)
    gtk_combo_box_text_append (self->provider_combo, providers[i].id, _(providers[i].display_name));
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->provider_combo), bw_provider_default ()->id);

  /* Keys live in a hidden folder. */
  gtk_file_chooser_set_show_hidden (self->key_chooser, TRUE);
  if (g_file_test (ssh_dir, G_FILE_TEST_IS_DIR))
    gtk_file_chooser_set_current_folder (self->key_chooser, ssh_dir);

  g_signal_connect_object (gtk_text_view_get_buffer (self->notes_view), "changed",
                           G_CALLBACK (on_notes_changed_cb), self, 0);
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_OK);
  self->loading = FALSE;
}

/**
 * bw_site_dialog_new:
 * @site: (nullable): the site to edit, or %NULL to add one
 *
 * Returns: (transfer floating): the dialog; it destroys itself when done
 */
GtkWidget *
bw_site_dialog_new (BwApplication *app,
                    BwSite        *site)
{
  BwSiteDialog *self = g_object_new (BW_TYPE_SITE_DIALOG, "use-header-bar", TRUE, NULL);
  const BwProvider *provider;

  self->app = app;
  self->loading = TRUE;
  if (site != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Edit “%s”"), bw_site_get_name (site));
      g_autofree char *port = g_strdup_printf ("%u", bw_site_get_port (site));
      const char *key = bw_site_get_key_path (site);

      self->original = bw_site_copy (site);
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_entry_set_text (self->name_entry, bw_site_get_name (site));
      gtk_entry_set_text (self->host_entry, bw_site_get_host (site));
      gtk_entry_set_text (self->port_entry, port);
      gtk_entry_set_text (self->user_entry, bw_site_get_user (site));
      gtk_entry_set_text (self->key_entry, key != NULL ? key : "");
      if (key != NULL && g_file_test (key, G_FILE_TEST_IS_REGULAR))
        gtk_file_chooser_set_filename (self->key_chooser, key);
      gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->provider_combo), bw_site_get_provider (site));
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view), bw_site_get_notes (site), -1);
      if (bw_site_get_has_passphrase (site))
        gtk_entry_set_placeholder_text (self->passphrase_entry, _("Unchanged"));
      provider = bw_provider_lookup (bw_site_get_provider (site));
      /* A port that differs from the preset's was chosen on purpose. */
      self->port_touched = provider == NULL || provider->default_port != bw_site_get_port (site);
      /* An existing site's fields were all entered once: show what is wrong at once. */
      self->show_all_errors = TRUE;
    }
  else
    {
      gtk_entry_set_text (self->port_entry, "22");
      gtk_entry_set_text (self->user_entry, "");
    }
  update_provider_hint (self);
  self->loading = FALSE;
  validate (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
  return GTK_WIDGET (self);
}
