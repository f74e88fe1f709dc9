// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-import-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "core/bw-ssh-config.h"
#include "store/bw-ssh-import.h"
#include "bw-import-dialog.h"

/**
 * BwImportDialog:
 *
 * Reads an ssh_config file (by default ~/.ssh/config) without connecting anywhere, shows
 * every Host entry with what importing it would mean, and stores the checked ones one
 * by one. Entries go through bw_site_apply_fields() like every other way in, and the
 * wildcard patterns and lines Banwatch cannot follow are listed as not imported.
 */
struct _BwImportDialog
{
  GtkDialog        parent_instance;

  /* template widgets */
  GtkEntry        *path_entry;
  GtkFileChooser  *file_chooser;
  GtkLabel        *summary_label;
  GtkListBox      *entry_list;
  GtkExpander     *skipped_expander;
  GtkLabel        *skipped_label;
  GtkLabel        *error_label;
  GtkWidget       *import_button;

  /* owned */
  GCancellable    *cancellable;
  GPtrArray       *queue;      /* BwSite still to store */
  GString         *failures;

  /* borrowed */
  BwApplication   *app;

  guint            n_stored;
  gboolean         importing;
};

G_DEFINE_FINAL_TYPE (BwImportDialog, bw_import_dialog, GTK_TYPE_DIALOG)

static void
string_free (GString *string)
{
  g_string_free (string, TRUE);
}

static const char *
status_word (BwImportStatus status)
{
  switch (status)
    {
    case BW_IMPORT_NEW:
      return _("new");
    case BW_IMPORT_NO_KEY:
      return _("no key");
    case BW_IMPORT_EXISTS:
      return _("exists");
    case BW_IMPORT_INVALID:
      return _("invalid");
    case BW_IMPORT_SKIPPED:
    default:
      return _("skipped");
    }
}

static guint
count_checked (BwImportDialog *self,
               GPtrArray      *out_sites)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->entry_list));
  guint n = 0;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      GtkWidget *check = g_object_get_data (l->data, "bw-check");
      BwSite *site = g_object_get_data (l->data, "bw-site");

      if (site != NULL && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)))
        {
          n++;
          if (out_sites != NULL)
            g_ptr_array_add (out_sites, g_object_ref (site));
        }
    }
  return n;
}

static void
update_import_button (BwImportDialog *self)
{
  gtk_widget_set_sensitive (self->import_button, !self->importing && count_checked (self, NULL) > 0);
}

static void
on_check_toggled_cb (GtkToggleButton *check,
                     BwImportDialog  *self)
{
  update_import_button (self);
}

static GtkWidget *
create_entry_row (BwImportDialog *self,
                  BwImportEntry  *entry)
{
  BwSshConfigHost *host = entry->host;
  BwImportStatus status = entry->status;
  BwSite *site = entry->site;
  GPtrArray *notes = entry->notes;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *check = gtk_check_button_new_with_label (host->alias);
  GtkWidget *badge = gtk_label_new (status_word (status));
  GtkWidget *detail;
  g_autofree char *detail_text = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr(GString) note_text = g_string_new (NULL);

  if (site != NULL)
    {
      g_autofree char *destination = bw_site_dup_destination (site);
      const char *key = bw_site_get_key_path (site);

      detail_text = g_strdup_printf ("%s@%s · %s", bw_site_get_user (site), destination,
                                     key != NULL ? key : _("(no key)"));
    }
  else
    detail_text = g_strdup (host->hostname != NULL ? host->hostname : host->alias);

  for (guint i = 0; i < notes->len; i++)
    g_string_append_printf (note_text, "%s%s", i > 0 ? "\n" : "", (char *) g_ptr_array_index (notes, i));

  g_object_set (grid, "margin", 8, "column-spacing", 12, "row-spacing", 2, NULL);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), status == BW_IMPORT_NEW);
  gtk_widget_set_sensitive (check, site != NULL);
  gtk_widget_set_hexpand (check, TRUE);
  /* Translators: an ssh_config Host alias and what importing it would be: new, no key, … */
  accessible = g_strdup_printf (_("%s (%s)"), host->alias, status_word (status));
  atk_object_set_name (gtk_widget_get_accessible (check), accessible);
  g_signal_connect_object (check, "toggled", G_CALLBACK (on_check_toggled_cb), self, 0);

  gtk_style_context_add_class (gtk_widget_get_style_context (badge), "bw-import-status");
  atk_object_set_name (gtk_widget_get_accessible (badge), _("Import status"));

  detail = gtk_label_new (detail_text);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_margin_start (detail, 26);
  gtk_style_context_add_class (gtk_widget_get_style_context (detail), "dim-label");

  gtk_grid_attach (GTK_GRID (grid), check, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), badge, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), detail, 0, 1, 2, 1);
  if (note_text->len > 0)
    {
      GtkWidget *notes_label = gtk_label_new (note_text->str);

      gtk_label_set_xalign (GTK_LABEL (notes_label), 0);
      gtk_label_set_line_wrap (GTK_LABEL (notes_label), TRUE);
      gtk_widget_set_margin_start (notes_label, 26);
      gtk_style_context_add_class (gtk_widget_get_style_context (notes_label), "bw-small");
      atk_object_set_name (gtk_widget_get_accessible (notes_label), _("Notes"));
      gtk_grid_attach (GTK_GRID (grid), notes_label, 0, 2, 2, 1);
    }

  gtk_container_add (GTK_CONTAINER (row), grid);
  g_object_set_data (G_OBJECT (row), "bw-check", check);
  if (site != NULL)
    g_object_set_data_full (G_OBJECT (row), "bw-site", g_object_ref (site), g_object_unref);
  gtk_widget_show_all (row);
  return row;
}

static void
clear_entries (BwImportDialog *self)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->entry_list));

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
}

static void
load (BwImportDialog *self)
{
  const char *path = gtk_entry_get_text (self->path_entry);
  BwSiteStore *store = bw_application_get_store (self->app);
  g_autoptr(BwSshConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) skipped_text = g_string_new (NULL);
  g_autofree char *summary = NULL;
  GPtrArray *hosts;
  GPtrArray *skipped;
  guint counts[BW_N_IMPORT_STATUSES] = { 0 };

  clear_entries (self);
  gtk_widget_hide (GTK_WIDGET (self->error_label));
  gtk_widget_hide (GTK_WIDGET (self->skipped_expander));

  config = bw_ssh_config_load_file (path, NULL, &error);
  if (config == NULL)
    {
      gtk_label_set_text (self->summary_label, error->message);
      update_import_button (self);
      return;
    }

  hosts = bw_ssh_config_get_hosts (config);
  for (guint i = 0; i < hosts->len; i++)
    {
      g_autoptr(BwImportEntry) entry = bw_import_entry_new (g_ptr_array_index (hosts, i), store);

      if (entry->key_encrypted)
        g_ptr_array_add (entry->notes, g_strdup (_("the key is encrypted: add its passphrase afterwards with Edit…")));
      counts[entry->status]++;
      gtk_container_add (GTK_CONTAINER (self->entry_list), create_entry_row (self, entry));
    }

  skipped = bw_ssh_config_get_skipped (config);
  for (guint i = 0; i < skipped->len; i++)
    {
      BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);
      g_autofree char *base = g_path_get_basename (skip->file);

      g_string_append_printf (skipped_text, "%s%s:%u: %s — %s", i > 0 ? "\n" : "", base, skip->line,
                              skip->text, skip->reason);
    }
  if (skipped->len > 0)
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u line not imported",
                                                             "%u lines not imported", skipped->len),
                                                skipped->len);
      gtk_expander_set_label (self->skipped_expander, title);
      gtk_label_set_text (self->skipped_label, skipped_text->str);
      gtk_widget_show (GTK_WIDGET (self->skipped_expander));
    }

  if (hosts->len == 0)
    summary = g_strdup (_("No Host entries with a plain name were found in this file."));
  else
    /* Translators: counts of the Host entries found in ~/.ssh/config */
    summary = g_strdup_printf (_("%u hosts found: %u new, %u without a key, %u already in Banwatch, "
                                 "%u invalid, %u skipped. Nothing is connected to while reading."),
                               hosts->len, counts[BW_IMPORT_NEW], counts[BW_IMPORT_NO_KEY], counts[BW_IMPORT_EXISTS],
                               counts[BW_IMPORT_INVALID], counts[BW_IMPORT_SKIPPED]);
  gtk_label_set_text (self->summary_label, summary);
  update_import_button (self);
}

static void
on_path_entry_activate_cb (GtkEntry       *entry,
                           BwImportDialog *self)
{
  load (self);
}

static void
on_load_button_clicked_cb (GtkButton      *button,
                           BwImportDialog *self)
{
  load (self);
}

static void
on_file_chooser_file_set_cb (GtkFileChooserButton *button,
                             BwImportDialog       *self)
{
  g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (button));

  if (path != NULL)
    {
      gtk_entry_set_text (self->path_entry, path);
      load (self);
    }
}

static void import_next (BwImportDialog *self);

static void
on_site_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BwImportDialog) self = user_data;
  g_autoptr(BwSite) site = g_ptr_array_steal_index (self->queue, 0);
  g_autoptr(GError) error = NULL;

  if (!bw_site_store_save_finish (BW_SITE_STORE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_string_append_printf (self->failures, "%s%s: %s", self->failures->len > 0 ? "\n" : "",
                              bw_site_get_name (site), error->message);
    }
  else
    self->n_stored++;
  import_next (self);
}

static void
import_next (BwImportDialog *self)
{
  if (self->queue->len > 0)
    {
      g_autofree char *progress = g_strdup_printf (_("Importing “%s”…"),
                                                   bw_site_get_name (g_ptr_array_index (self->queue, 0)));

      gtk_label_set_text (self->summary_label, progress);
      bw_site_store_save_async (bw_application_get_store (self->app), g_ptr_array_index (self->queue, 0), "",
                                self->cancellable, on_site_saved_cb, g_object_ref (self));
      return;
    }

  self->importing = FALSE;
  if (self->failures->len == 0)
    {
      gtk_widget_destroy (GTK_WIDGET (self));
      return;
    }

  /* Show what failed over a fresh reading, where the stored ones now say "exists". */
  load (self);
  gtk_label_set_text (self->error_label, self->failures->str);
  gtk_widget_show (GTK_WIDGET (self->error_label));
  g_string_truncate (self->failures, 0);
}

static void
on_dialog_response_cb (GtkDialog      *dialog,
                       int             response,
                       BwImportDialog *self)
{
  if (response != GTK_RESPONSE_OK)
    {
      gtk_widget_destroy (GTK_WIDGET (self));
      return;
    }
  if (self->importing)
    return;

  g_ptr_array_set_size (self->queue, 0);
  if (count_checked (self, self->queue) == 0)
    return;
  self->importing = TRUE;
  self->n_stored = 0;
  update_import_button (self);
  import_next (self);
}

static void
bw_import_dialog_dispose (GObject *object)
{
  BwImportDialog *self = (BwImportDialog *) object;

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (bw_import_dialog_parent_class)->dispose (object);
}

static void
bw_import_dialog_finalize (GObject *object)
{
  BwImportDialog *self = (BwImportDialog *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->failures, string_free);

  G_OBJECT_CLASS (bw_import_dialog_parent_class)->finalize (object);
}

static void
bw_import_dialog_class_init (BwImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bw_import_dialog_dispose;
  object_class->finalize = bw_import_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/banwatch/Banwatch/bw-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, path_entry);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, file_chooser);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, entry_list);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, skipped_expander);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, BwImportDialog, import_button);
  gtk_widget_class_bind_template_callback (widget_class, on_path_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_load_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_file_chooser_file_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_dialog_response_cb);
}

static void
bw_import_dialog_init (BwImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->queue = g_ptr_array_new_with_free_func (g_object_unref);
  self->failures = g_string_new (NULL);
  gtk_file_chooser_set_show_hidden (self->file_chooser, TRUE);
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_OK);
}

/**
 * bw_import_dialog_new:
 * @path: (nullable): the ssh_config file; %NULL for ~/.ssh/config
 *
 * Returns: (transfer floating): the dialog, with the file already read
 */
GtkWidget *
bw_import_dialog_new (BwApplication *app,
                      const char    *path)
{
  BwImportDialog *self = g_object_new (BW_TYPE_IMPORT_DIALOG, "use-header-bar", TRUE, NULL);
  g_autofree char *default_path = g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  g_autofree char *dir = NULL;

  self->app = app;
  if (path == NULL)
    path = default_path;
  gtk_entry_set_text (self->path_entry, path);
  dir = g_path_get_dirname (path);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    gtk_file_chooser_set_filename (self->file_chooser, path);
  else if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    gtk_file_chooser_set_current_folder (self->file_chooser, dir);
  load (self);
  return GTK_WIDGET (self);
}
