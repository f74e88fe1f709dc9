// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site-export"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "bw-site-export.h"
#include "bw-validate.h"

/* The file a colleague gets: names, hosts, ports, users, key paths, providers and notes.
 * Never a passphrase, never an id (ids belong to one keyring). */

static const char * const root_members[] = { "format", "version", "sites", NULL };

static const char * const entry_members[] = {
  "name", "host", "port", "user", "key", "provider", "notes", NULL
};

BwImportProblem *
bw_import_problem_new (guint       index,
                       const char *name,
                       const char *message)
{
  BwImportProblem *problem = g_new0 (BwImportProblem, 1);

  problem->index = index;
  problem->name = g_strdup (name);
  problem->message = g_strdup (message);
  return problem;
}

void
bw_import_problem_free (BwImportProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->name);
  g_free (problem->message);
  g_free (problem);
}

/**
 * bw_sites_export:
 * @sites: (element-type BwSite): the sites, in the order to write them
 *
 * Returns: (transfer full): the JSON text of the export format
 */
char *
bw_sites_export (GPtrArray *sites)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, BW_SITES_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, BW_SITES_VERSION);
  json_builder_set_member_name (builder, "sites");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sites->len; i++)
    json_builder_add_value (builder, bw_site_to_json (g_ptr_array_index (sites, i), TRUE));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
member_string (JsonObject  *object,
               const char  *member,
               gboolean     required,
               const char **out_value,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME, _("“%s” is missing."), member);
      return !required;
    }

  if (!is_string (node))
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME, _("“%s” must be a string."), member);
      return FALSE;
    }

  *out_value = json_node_get_string (node);
  return TRUE;
}

static BwSite *
site_from_entry (JsonNode  *node,
                 GError   **error)
{
  g_autoptr(BwSite) site = bw_site_new ();
  g_autoptr(GList) members = NULL;
  g_autofree char *port_text = NULL;
  BwSiteFields fields = { 0 };
  JsonObject *object;
  JsonNode *port;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME, _("An entry must be an object."));
      return NULL;
    }
  object = json_node_get_object (node);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (entry_members, l->data))
      {
        g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME,
                     _("Unknown field “%s”."), (const char *) l->data);
        return NULL;
      }

  if (!member_string (object, "name", TRUE, &fields.name, error) ||
      !member_string (object, "host", TRUE, &fields.host, error) ||
      !member_string (object, "user", TRUE, &fields.user, error) ||
      !member_string (object, "key", FALSE, &fields.key, error) ||
      !member_string (object, "provider", FALSE, &fields.provider, error) ||
      !member_string (object, "notes", FALSE, &fields.notes, error))
    return NULL;

  port = json_object_get_member (object, "port");
  if (port != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (port) || json_node_get_value_type (port) != G_TYPE_INT64)
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PORT,
                       _("“port” must be a number between 1 and 65535."));
          return NULL;
        }
      port_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (port));
      fields.port = port_text;
    }

  if (!bw_site_apply_fields (site, &fields, TRUE, error))
    return NULL;

  return g_steal_pointer (&site);
}

static const char *
entry_name (JsonNode *node)
{
  JsonNode *name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  name = json_object_get_member (json_node_get_object (node), "name");
  return name != NULL && is_string (name) ? json_node_get_string (name) : NULL;
}

/**
 * bw_sites_import_parse:
 * @out_indices: (out) (element-type guint): the 1-based entry index of each returned site
 * @out_problems: (out) (element-type BwImportProblem): every bad entry, in order
 *
 * Parses and validates an exported file: every field of every entry, and names unique
 * within the file. Key files and names already stored are the caller's to check.
 *
 * Returns: (transfer full) (element-type BwSite): the valid entries as new sites; %NULL
 *   with @error set when the file as a whole is not an export
 */
GPtrArray *
bw_sites_import_parse (const char  *data,
                       gsize        length,
                       GArray     **out_indices,
                       GPtrArray  **out_problems,
                       GError     **error)
{
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_import_problem_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonNode *format;
  JsonNode *version;
  JsonNode *list;
  JsonArray *entries;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is not UTF-8 text."));
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Not a valid JSON file: %s"),
                   local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Not a Banwatch sites file: the top level is not an object."));
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  {
    g_autoptr(GList) members = json_object_get_members (root);

    for (GList *l = members; l != NULL; l = l->next)
      if (!g_strv_contains (root_members, l->data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Not a Banwatch sites file: unknown member “%s” at the top level."),
                       (const char *) l->data);
          return NULL;
        }
  }

  format = json_object_get_member (root, "format");
  if (format == NULL || !is_string (format) || g_strcmp0 (json_node_get_string (format), BW_SITES_FORMAT) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Not a Banwatch sites file: “format” is not “%s”."), BW_SITES_FORMAT);
      return NULL;
    }

  version = json_object_get_member (root, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 || json_node_get_int (version) != BW_SITES_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Unsupported file version: this Banwatch reads version %d."), BW_SITES_VERSION);
      return NULL;
    }

  list = json_object_get_member (root, "sites");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“sites” is missing or is not a list."));
      return NULL;
    }
  entries = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      g_autoptr(GError) entry_error = NULL;
      g_autoptr(BwSite) site = site_from_entry (node, &entry_error);
      g_autofree char *folded = NULL;

      if (site != NULL)
        {
          folded = bw_site_name_fold (bw_site_get_name (site));
          if (g_hash_table_contains (seen, folded))
            {
              g_set_error (&entry_error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME,
                           _("The name appears twice in the file."));
              g_clear_object (&site);
            }
        }

      if (site == NULL)
        {
          g_ptr_array_add (problems, bw_import_problem_new (i + 1, entry_name (node), entry_error->message));
          continue;
        }

      g_hash_table_add (seen, g_steal_pointer (&folded));
      g_ptr_array_add (sites, g_steal_pointer (&site));
      g_array_append_val (indices, (guint) { i + 1 });
    }

  *out_indices = g_steal_pointer (&indices);
  *out_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&sites);
}
