// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
/* For the D-Bus path functions (secret-paths.h), in libsecret since 0.18. */
#define SECRET_WITH_UNSTABLE 1
#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>

#include "core/bw-validate.h"
#include "bw-site-store.h"

/**
 * BwSiteStore:
 *
 * The user's sites, one Secret Service item each, as a #GListModel of #BwSite ordered
 * by name. The key file is referenced by path; the item's secret is the key's passphrase
 * (empty when there is none).
 *
 * A write creates the new item first and deletes the old one only afterwards, so a
 * failure at any point leaves the previous item intact. A locked keyring or a missing
 * Secret Service is an error, never an empty list.
 */
struct _BwSiteStore
{
  GObject    parent_instance;

  /* owned */
  GPtrArray *sites;      /* BwSite, sorted with bw_site_compare() */
  GPtrArray *warnings;   /* char*, NULL-terminated */
  gboolean   allow_prompts;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BwSiteStore, bw_site_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (bw-store-error-quark, bw_store_error)

#define SCHEMA_NAME "io.github.banwatch.Banwatch.Site"
#define WRITE_LOCK_TIMEOUT_MS 10000
/* A Secret Service that never answers (say, stuck on a prompt nobody can see) must not
 * hang the command line for D-Bus's 25 s per call. */
#define CLI_DEADLINE_S 8

static const SecretSchema site_schema = {
  SCHEMA_NAME, SECRET_SCHEMA_NONE,
  {
    { "id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "key-path", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "notes", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

/* ---------------------------------------------------------------------------------- */
/* Secret Service access: plain functions on copied data, safe on any thread           */
/* ---------------------------------------------------------------------------------- */

static SecretService *
connect_service (GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  SecretService *service;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &local_error);
  if (bus == NULL)
    {
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NO_BUS,
                   _("No D-Bus session bus (%s). Banwatch keeps its sites in the Secret Service on "
                     "the session bus: run it inside a desktop session, or under dbus-run-session "
                     "with a keyring daemon such as gnome-keyring."),
                   local_error->message);
      return NULL;
    }

  /* Not SECRET_SERVICE_LOAD_COLLECTIONS: it builds a proxy for every item of every
   * collection (about 250 ms for 200 sites); search_items() loads them only when it
   * must tell an empty keyring from a locked one. */
  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION,
                                     cancellable, &local_error);
  if (service == NULL)
    {
      if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
          g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NO_SERVICE,
                     _("No Secret Service is available on the session bus (org.freedesktop.secrets). "
                       "Install and start gnome-keyring (apt install gnome-keyring), or enable another "
                       "Secret Service such as KeePassXC's; Banwatch keeps its sites only there."));
      else
        g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NO_SERVICE,
                     _("No Secret Service is available: %s"), local_error->message);
      return NULL;
    }

  return service;
}

static void
set_locked_error (GError **error)
{
  g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_LOCKED,
               _("The keyring holding Banwatch's sites is locked. Unlock it (log in to your desktop "
                 "session, or unlock it in Passwords and Keys) and try again."));
}

/* @objects are SecretItems or SecretCollections. */
static gboolean
ensure_unlocked (SecretService  *service,
                 GList          *objects,
                 gboolean        allow_prompts,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GList) locked = NULL;
  g_autolist(GDBusProxy) unlocked = NULL;
  int n_unlocked;

  for (GList *l = objects; l != NULL; l = l->next)
    {
      gboolean is_locked = SECRET_IS_ITEM (l->data)
                           ? secret_item_get_locked (l->data)
                           : secret_collection_get_locked (l->data);
      if (is_locked)
        locked = g_list_prepend (locked, l->data);
    }

  if (locked == NULL)
    return TRUE;

  if (!allow_prompts)
    {
      set_locked_error (error);
      return FALSE;
    }

  /* The Secret Service shows its own unlock prompt. */
  n_unlocked = secret_service_unlock_sync (service, locked, cancellable, &unlocked, error);
  if (n_unlocked < 0)
    return FALSE;
  if ((guint) n_unlocked < g_list_length (locked))
    {
      set_locked_error (error);
      return FALSE;
    }

  return TRUE;
}

static GList *
search_items (SecretService  *service,
              const char     *id,
              gboolean        allow_prompts,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autolist(SecretItem) items = NULL;
  GError *local_error = NULL;

  if (id != NULL)
    g_hash_table_insert (attributes, (char *) "id", (char *) id);

  items = secret_service_search_sync (service, &site_schema, attributes, SECRET_SEARCH_ALL,
                                      cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (items == NULL && id == NULL)
    {
      /* Nothing found could mean nothing stored, or a locked keyring that hides its
       * items: never report a locked keyring as empty. */
      g_autoptr(SecretService) with_collections = NULL;
      g_autolist(SecretCollection) collections = NULL;

      /* A service object of its own that loads the collections, dropped right after, so
       * that the shared one never keeps a proxy of every item in the keyring (ours and
       * other applications', ~7 KB each) for the life of a tray app. */
      with_collections = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_LOAD_COLLECTIONS,
                                                   cancellable, error);
      if (with_collections == NULL)
        return NULL;
      collections = secret_service_get_collections (with_collections);
      if (!ensure_unlocked (with_collections, collections, allow_prompts, cancellable, error))
        return NULL;
      items = secret_service_search_sync (service, &site_schema, attributes, SECRET_SEARCH_ALL,
                                          cancellable, error);
      return g_steal_pointer (&items);
    }

  if (!ensure_unlocked (service, items, allow_prompts, cancellable, error))
    return NULL;

  if (items != NULL && !secret_item_load_secrets_sync (items, cancellable, error))
    return NULL;

  return g_steal_pointer (&items);
}

/* The newest item wins: an edit whose clean-up failed leaves an older twin behind. */
static SecretItem *
newest_item (GList *items)
{
  SecretItem *newest = NULL;

  for (GList *l = items; l != NULL; l = l->next)
    if (newest == NULL || secret_item_get_modified (l->data) > secret_item_get_modified (newest))
      newest = l->data;

  return newest;
}

static BwSite *
site_from_fields (GHashTable  *attributes,
                  const char  *label,
                  SecretValue *secret,
                  GPtrArray   *warnings)
{
  const char *id = g_hash_table_lookup (attributes, "id");
  const char *name = g_hash_table_lookup (attributes, "name");
  const char *host = g_hash_table_lookup (attributes, "host");
  const char *port_text = g_hash_table_lookup (attributes, "port");
  const char *user = g_hash_table_lookup (attributes, "user");
  const char *provider = g_hash_table_lookup (attributes, "provider");
  g_autoptr(BwSite) site = NULL;
  g_autoptr(GError) error = NULL;
  guint port = 0;
  gsize secret_length = 0;

  if (id == NULL || name == NULL || host == NULL || user == NULL ||
      !bw_parse_bounded_uint (port_text, 1, 65535, &port))
    {
      g_ptr_array_add (warnings,
                       g_strdup_printf (_("Ignoring the keyring item “%s”: it lacks a Banwatch "
                                          "attribute or has an invalid port; it was left untouched."),
                                        label != NULL ? label : "?"));
      return NULL;
    }

  site = g_object_new (BW_TYPE_SITE,
                       "id", id,
                       "name", name,
                       "host", host,
                       "port", port,
                       "user", user,
                       "key-path", g_hash_table_lookup (attributes, "key-path"),
                       "provider", provider != NULL && *provider != '\0' ? provider : "generic",
                       "notes", g_hash_table_lookup (attributes, "notes"),
                       NULL);

  if (secret != NULL)
    secret_value_get (secret, &secret_length);
  bw_site_set_has_passphrase (site, secret_length > 0);

  if (!bw_site_validate (site, &error))
    g_ptr_array_add (warnings, g_strdup_printf (_("The stored site “%s” is not valid: %s"),
                                                name, error->message));

  return g_steal_pointer (&site);
}

static BwSite *
site_from_item (SecretItem *item,
                GPtrArray  *warnings)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr(SecretValue) secret = secret_item_get_secret (item);
  g_autofree char *label = secret_item_get_label (item);

  return site_from_fields (attributes, label, secret, warnings);
}

static int
compare_site_pointers (gconstpointer a,
                       gconstpointer b)
{
  return bw_site_compare (*(BwSite * const *) a, *(BwSite * const *) b);
}

/* The fast way to read every site: one SearchItems call, the items' properties fetched
 * with all GetAll calls in flight at once, and the secrets in one GetSecrets call through
 * libsecret's encrypted session. SecretItem proxies cost a round trip and a signal
 * subscription each, one after the other: 250 ms for 200 sites against 80 ms here. */
typedef struct {
  GHashTable *attributes;
  char       *label;
  guint64     modified;
  gboolean    locked;
} ItemFields;

typedef struct {
  guint       pending;
  GError     *error;
} FieldsLoad;

typedef struct {
  FieldsLoad *load;
  ItemFields *fields;
} FieldsCall;

static void
item_fields_clear (ItemFields *fields)
{
  g_clear_pointer (&fields->attributes, g_hash_table_unref);
  g_clear_pointer (&fields->label, g_free);
}

static void
on_get_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  FieldsCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  call->load->pending--;
  if (reply == NULL)
    {
      if (call->load->error == NULL)
        call->load->error = g_steal_pointer (&error);
      return;
    }

  {
    g_autoptr(GVariant) properties = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) attributes = g_variant_lookup_value (properties, "Attributes", G_VARIANT_TYPE ("a{ss}"));
    GVariantIter iter;
    const char *key;
    const char *value;

    call->fields->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    if (attributes != NULL)
      {
        g_variant_iter_init (&iter, attributes);
        while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
          g_hash_table_insert (call->fields->attributes, g_strdup (key), g_strdup (value));
      }
    if (!g_variant_lookup (properties, "Label", "s", &call->fields->label))
      call->fields->label = NULL;
    if (!g_variant_lookup (properties, "Modified", "t", &call->fields->modified))
      call->fields->modified = 0;
    if (!g_variant_lookup (properties, "Locked", "b", &call->fields->locked))
      call->fields->locked = FALSE;
  }
}

/* Returns FALSE without @error when an item turned out locked on the way: the caller then
 * takes the SecretItem path, which knows how to unlock or report it. */
static gboolean
load_unlocked_paths (SecretService  *service,
                     const char    **paths,
                     GPtrArray      *warnings,
                     GPtrArray     **out_sites,
                     GCancellable   *cancellable,
                     GError        **error)
{
  GDBusConnection *connection = g_dbus_proxy_get_connection (G_DBUS_PROXY (service));
  const char *name = g_dbus_proxy_get_name (G_DBUS_PROXY (service));
  guint n = g_strv_length ((char **) paths);
  g_autofree ItemFields *fields = g_new0 (ItemFields, n);
  g_autofree FieldsCall *calls = g_new0 (FieldsCall, n);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GHashTable) secrets = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GPtrArray) sites = NULL;
  FieldsLoad load = { 0 };
  gboolean complete = TRUE;

  /* A private context: this runs on the main thread for the CLI and on a worker for the
   * app, and must not dispatch anything else while it waits. */
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < n; i++)
    {
      calls[i].load = &load;
      calls[i].fields = &fields[i];
      load.pending++;
      g_dbus_connection_call (connection, name, paths[i], "org.freedesktop.DBus.Properties", "GetAll",
                              g_variant_new ("(s)", "org.freedesktop.Secret.Item"),
                              G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                              on_get_all_cb, &calls[i]);
    }
  /* Every call ends: with its reply, an error, or the deadline's cancellation. */
  while (load.pending > 0)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (load.error != NULL)
    {
      g_propagate_error (error, load.error);
      complete = FALSE;
      goto out;
    }

  secrets = secret_service_get_secrets_for_dbus_paths_sync (service, paths, cancellable, error);
  if (secrets == NULL)
    {
      complete = FALSE;
      goto out;
    }

  for (guint i = 0; i < n && complete; i++)
    if (fields[i].locked || !g_hash_table_contains (secrets, paths[i]))
      complete = FALSE;
  if (!complete)
    goto out;

  /* id → newest item, as on the SecretItem path */
  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      const char *id = g_hash_table_lookup (fields[i].attributes, "id");
      ItemFields *other;

      if (id == NULL)
        continue;
      other = g_hash_table_lookup (by_id, id);
      if (other == NULL || fields[i].modified > other->modified)
        g_hash_table_insert (by_id, (gpointer) id, &fields[i]);
    }

  sites = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      const char *id = g_hash_table_lookup (fields[i].attributes, "id");
      BwSite *site;

      if (id != NULL && g_hash_table_lookup (by_id, id) != &fields[i])
        continue;

      site = site_from_fields (fields[i].attributes, fields[i].label,
                               g_hash_table_lookup (secrets, paths[i]), warnings);
      if (site != NULL)
        g_ptr_array_add (sites, site);
    }
  *out_sites = g_steal_pointer (&sites);

out:
  for (guint i = 0; i < n; i++)
    item_fields_clear (&fields[i]);
  return complete;
}

static GPtrArray *
backend_load (gboolean       allow_prompts,
              GPtrArray     *warnings,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(SecretService) service = connect_service (cancellable, error);
  g_autolist(SecretItem) items = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GPtrArray) sites = NULL;
  GError *local_error = NULL;

  if (service == NULL)
    return NULL;

  {
    g_autoptr(GHashTable) no_attributes = g_hash_table_new (g_str_hash, g_str_equal);
    g_auto(GStrv) unlocked = NULL;
    g_auto(GStrv) locked = NULL;

    if (!secret_service_search_for_dbus_paths_sync (service, &site_schema, no_attributes, cancellable,
                                                    &unlocked, &locked, error))
      return NULL;

    /* Nothing found, or something locked: the SecretItem path below tells an empty
     * keyring from a locked one and unlocks (never treats a locked keyring as empty). */
    if (unlocked != NULL && unlocked[0] != NULL && (locked == NULL || locked[0] == NULL))
      {
        if (load_unlocked_paths (service, (const char **) unlocked, warnings, &sites, cancellable,
                                 &local_error))
          {
            g_ptr_array_sort (sites, compare_site_pointers);
            return g_steal_pointer (&sites);
          }
        if (local_error != NULL)
          {
            g_propagate_error (error, local_error);
            return NULL;
          }
      }
  }

  items = search_items (service, NULL, allow_prompts, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  /* id → newest item */
  by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *id = g_hash_table_lookup (attributes, "id");
      SecretItem *other;

      if (id == NULL)
        continue;
      other = g_hash_table_lookup (by_id, id);
      if (other == NULL || secret_item_get_modified (l->data) > secret_item_get_modified (other))
        g_hash_table_insert (by_id, g_strdup (id), l->data);
    }

  sites = g_ptr_array_new_with_free_func (g_object_unref);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *id = g_hash_table_lookup (attributes, "id");
      BwSite *site;

      if (id != NULL && g_hash_table_lookup (by_id, id) != l->data)
        continue;

      site = site_from_item (l->data, warnings);
      if (site != NULL)
        g_ptr_array_add (sites, site);
    }

  g_ptr_array_sort (sites, compare_site_pointers);
  return g_steal_pointer (&sites);
}

static GHashTable *
site_attributes (BwSite *site)
{
  const char *key_path = bw_site_get_key_path (site);

  return secret_attributes_build (&site_schema,
                                  "id", bw_site_get_id (site),
                                  "name", bw_site_get_name (site),
                                  "host", bw_site_get_host (site),
                                  "port", (int) bw_site_get_port (site),
                                  "user", bw_site_get_user (site),
                                  "key-path", key_path != NULL ? key_path : "",
                                  "provider", bw_site_get_provider (site),
                                  "notes", bw_site_get_notes (site),
                                  NULL);
}

static SecretCollection *
default_collection (SecretService  *service,
                    gboolean        allow_prompts,
                    GCancellable   *cancellable,
                    GError        **error)
{
  g_autoptr(SecretCollection) collection = NULL;
  GError *local_error = NULL;
  GList single = { 0 };

  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
                   _("Cannot open the default keyring: %s"), local_error->message);
      g_clear_error (&local_error);
      return NULL;
    }

  if (collection == NULL)
    {
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
                   _("The Secret Service has no default keyring to store sites in. Create one, "
                     "for example in Passwords and Keys."));
      return NULL;
    }

  single.data = collection;
  if (!ensure_unlocked (service, &single, allow_prompts, cancellable, error))
    return NULL;

  return g_steal_pointer (&collection);
}

/* Writers in every process (the app, several CLI runs) take this lock, so that checking a
 * name is free and storing it are one step. Bounded: a holder that never lets go is an
 * error, not a hang. */
static int
acquire_write_lock (GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "banwatch", NULL);
  g_autofree char *path = g_build_filename (dir, "sites.lock", NULL);
  int fd;

  g_mkdir_with_parents (dir, 0700);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
                   _("Cannot open the lock file %s: %s"), path, g_strerror (saved_errno));
      return -1;
    }

  for (guint i = 0; i < WRITE_LOCK_TIMEOUT_MS / 10; i++)
    {
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
      g_usleep (10 * 1000);
    }

  close (fd);
  g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
               _("Another Banwatch has been changing the sites for over %d s; try again."),
               WRITE_LOCK_TIMEOUT_MS / 1000);
  return -1;
}

static void
release_write_lock (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* The name check against what the keyring holds right now, under the write lock: one
 * search for any number of sites. */
static gboolean
names_are_free (SecretService  *service,
                GPtrArray      *sites,
                gboolean        allow_prompts,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autolist(SecretItem) items = NULL;
  GError *local_error = NULL;

  items = search_items (service, NULL, allow_prompts, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *id = g_hash_table_lookup (attributes, "id");
      const char *name = g_hash_table_lookup (attributes, "name");

      if (name != NULL && id != NULL)
        g_hash_table_insert (taken, bw_site_name_fold (name), g_strdup (id));
    }

  for (guint i = 0; i < sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (sites, i);
      g_autofree char *folded = bw_site_name_fold (bw_site_get_name (site));
      const char *owner = g_hash_table_lookup (taken, folded);

      if (owner != NULL && !g_str_equal (owner, bw_site_get_id (site)))
        {
          g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_DUPLICATE,
                       _("A site named “%s” already exists."), bw_site_get_name (site));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean backend_write_locked (SecretService  *service,
                                      BwSite         *site,
                                      const char     *passphrase,
                                      gboolean        allow_prompts,
                                      GCancellable   *cancellable,
                                      GError        **error);

static gboolean
backend_write (SecretService  *service,
               BwSite         *site,
               const char     *passphrase,
               gboolean        allow_prompts,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  int lock = acquire_write_lock (error);
  gboolean ok;

  if (lock < 0)
    return FALSE;
  g_ptr_array_add (one, site);
  ok = names_are_free (service, one, allow_prompts, cancellable, error) &&
       backend_write_locked (service, site, passphrase, allow_prompts, cancellable, error);
  release_write_lock (lock);
  return ok;
}

/* Creates the new item, then removes every older item with the same id. */
static gboolean
backend_write_locked (SecretService  *service,
               BwSite         *site,
               const char     *passphrase,
               gboolean        allow_prompts,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autolist(SecretItem) old_items = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(SecretItem) item = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  GError *local_error = NULL;

  old_items = search_items (service, bw_site_get_id (site), allow_prompts, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (passphrase == BW_SITE_STORE_KEEP_PASSPHRASE && old_items != NULL)
    value = secret_item_get_secret (newest_item (old_items));
  if (value == NULL)
    value = secret_value_new (passphrase != NULL ? passphrase : "", -1, "text/plain");

  collection = default_collection (service, allow_prompts, cancellable, error);
  if (collection == NULL)
    return FALSE;

  attributes = site_attributes (site);
  label = g_strdup_printf ("Banwatch: %s", bw_site_get_name (site));
  item = secret_item_create_sync (collection, &site_schema, attributes, label, value,
                                  SECRET_ITEM_CREATE_NONE, cancellable, &local_error);
  if (item == NULL)
    {
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
                   _("Could not store the site “%s” in the keyring: %s"),
                   bw_site_get_name (site), local_error->message);
      g_clear_error (&local_error);
      return FALSE;
    }

  for (GList *l = old_items; l != NULL; l = l->next)
    {
      if (g_str_equal (g_dbus_proxy_get_object_path (l->data),
                       g_dbus_proxy_get_object_path (G_DBUS_PROXY (item))))
        continue;

      /* The new item is already stored and newer; a twin left here is ignored on load
       * and removed by the next write. */
      if (!secret_item_delete_sync (l->data, cancellable, &local_error))
        {
          g_warning ("Could not remove the previous keyring item of “%s”: %s",
                     bw_site_get_name (site), local_error->message);
          g_clear_error (&local_error);
        }
    }

  bw_site_set_has_passphrase (site, secret_value_get_text (value) != NULL &&
                                    *secret_value_get_text (value) != '\0');
  return TRUE;
}

static gboolean
backend_delete (SecretService  *service,
                const char     *id,
                gboolean        allow_prompts,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autolist(SecretItem) items = NULL;
  GError *local_error = NULL;

  items = search_items (service, id, allow_prompts, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  for (GList *l = items; l != NULL; l = l->next)
    {
      if (!secret_item_delete_sync (l->data, cancellable, &local_error))
        {
          g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_WRITE_FAILED,
                       _("Could not remove the keyring item: %s"), local_error->message);
          g_clear_error (&local_error);
          return FALSE;
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* A deadline over the synchronous calls                                               */
/* ---------------------------------------------------------------------------------- */

typedef struct {
  GCancellable *cancellable;   /* fires on the caller's cancellation or at the deadline */
  GCancellable *caller;
  gulong        handler;
  GThread      *thread;
  GMutex        lock;
  GCond         cond;
  gboolean      done;
  gboolean      expired;
  gint64        deadline;
} Deadline;

static gpointer
deadline_thread (gpointer data)
{
  Deadline *d = data;
  gboolean expired = FALSE;

  g_mutex_lock (&d->lock);
  while (!d->done && !expired)
    expired = !g_cond_wait_until (&d->cond, &d->lock, d->deadline);
  d->expired = expired && !d->done;
  g_mutex_unlock (&d->lock);

  if (d->expired)
    g_cancellable_cancel (d->cancellable);
  return NULL;
}

static void
on_caller_cancelled_cb (GCancellable *caller,
                        gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static void
deadline_begin (Deadline     *d,
                GCancellable *caller,
                guint         seconds)
{
  *d = (Deadline) { 0 };
  d->cancellable = g_cancellable_new ();
  g_mutex_init (&d->lock);
  g_cond_init (&d->cond);
  if (caller != NULL)
    {
      d->caller = g_object_ref (caller);
      d->handler = g_cancellable_connect (caller, G_CALLBACK (on_caller_cancelled_cb), d->cancellable, NULL);
    }
  if (seconds > 0)
    {
      d->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
      d->thread = g_thread_new ("bw-store-deadline", deadline_thread, d);
    }
}

/* Returns @ok, turning a cancellation by the deadline into an error a person can act on. */
static gboolean
deadline_end (Deadline  *d,
              gboolean   ok,
              GError   **error)
{
  g_mutex_lock (&d->lock);
  d->done = TRUE;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);
  if (d->thread != NULL)
    g_thread_join (d->thread);

  if (!ok && d->expired && error != NULL && *error != NULL &&
      g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (error);
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NO_SERVICE,
                   _("No Secret Service is available: it did not answer within %d s (it may be "
                     "waiting for a password prompt that cannot be shown). Check your keyring daemon."),
                   CLI_DEADLINE_S);
    }

  if (d->caller != NULL)
    g_cancellable_disconnect (d->caller, d->handler);
  g_clear_object (&d->caller);
  g_clear_object (&d->cancellable);
  g_mutex_clear (&d->lock);
  g_cond_clear (&d->cond);
  return ok;
}

/* ---------------------------------------------------------------------------------- */
/* The model: main thread only                                                         */
/* ---------------------------------------------------------------------------------- */

static GType
bw_site_store_get_item_type (GListModel *model)
{
  return BW_TYPE_SITE;
}

static guint
bw_site_store_get_n_items (GListModel *model)
{
  return BW_SITE_STORE (model)->sites->len;
}

static gpointer
bw_site_store_get_item (GListModel *model,
                        guint       position)
{
  BwSiteStore *self = BW_SITE_STORE (model);

  if (position >= self->sites->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->sites, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = bw_site_store_get_item_type;
  iface->get_n_items = bw_site_store_get_n_items;
  iface->get_item = bw_site_store_get_item;
}

static void
bw_site_store_finalize (GObject *object)
{
  BwSiteStore *self = (BwSiteStore *) object;

  g_clear_pointer (&self->sites, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);

  G_OBJECT_CLASS (bw_site_store_parent_class)->finalize (object);
}

static void
bw_site_store_class_init (BwSiteStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bw_site_store_finalize;
}

static void
bw_site_store_init (BwSiteStore *self)
{
  self->sites = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

/**
 * bw_site_store_new:
 * @allow_prompts: let the Secret Service show its unlock prompt (the GUI); without it a
 *   locked keyring is an error (the CLI)
 *
 * Returns: (transfer full): an empty store; load it before use
 */
BwSiteStore *
bw_site_store_new (gboolean allow_prompts)
{
  BwSiteStore *self = g_object_new (BW_TYPE_SITE_STORE, NULL);

  self->allow_prompts = allow_prompts;
  return self;
}

static void
apply_loaded (BwSiteStore *self,
              GPtrArray   *sites,
              GPtrArray   *warnings)
{
  guint removed = self->sites->len;

  g_ptr_array_set_size (self->sites, 0);
  for (guint i = 0; i < sites->len; i++)
    g_ptr_array_add (self->sites, g_object_ref (g_ptr_array_index (sites, i)));

  g_ptr_array_set_size (self->warnings, 0);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    g_ptr_array_add (self->warnings, g_strdup (g_ptr_array_index (warnings, i)));

  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->sites->len);
}

static guint
find_position (BwSiteStore *self,
               const char  *id)
{
  for (guint i = 0; i < self->sites->len; i++)
    if (g_str_equal (bw_site_get_id (g_ptr_array_index (self->sites, i)), id))
      return i;
  return G_MAXUINT;
}

static void
apply_removed (BwSiteStore *self,
               const char  *id)
{
  guint position = find_position (self, id);

  if (position == G_MAXUINT)
    return;
  g_ptr_array_remove_index (self->sites, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

static void
apply_saved (BwSiteStore *self,
             BwSite      *site)
{
  guint position = 0;

  apply_removed (self, bw_site_get_id (site));

  while (position < self->sites->len &&
         bw_site_compare (g_ptr_array_index (self->sites, position), site) < 0)
    position++;

  g_ptr_array_insert (self->sites, position, bw_site_copy (site));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

/**
 * bw_site_store_load_sync:
 *
 * Replaces the model's content with the sites in the keyring. For the CLI.
 */
gboolean
bw_site_store_load_sync (BwSiteStore   *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sites = NULL;
  Deadline d;

  deadline_begin (&d, cancellable, self->allow_prompts ? 0 : CLI_DEADLINE_S);
  sites = backend_load (self->allow_prompts, warnings, d.cancellable, error);
  if (!deadline_end (&d, sites != NULL, error))
    return FALSE;

  apply_loaded (self, sites, warnings);
  return TRUE;
}

typedef struct {
  GPtrArray *sites;
  GPtrArray *warnings;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_pointer (&data->sites, g_ptr_array_unref);
  g_clear_pointer (&data->warnings, g_ptr_array_unref);
  g_free (data);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  gboolean allow_prompts = GPOINTER_TO_INT (task_data);
  LoadData *data = g_new0 (LoadData, 1);
  GError *error = NULL;

  data->warnings = g_ptr_array_new_with_free_func (g_free);
  data->sites = backend_load (allow_prompts, data->warnings, cancellable, &error);
  if (data->sites == NULL)
    {
      load_data_free (data);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, data, (GDestroyNotify) load_data_free);
}

/**
 * bw_site_store_load_async:
 *
 * Loads the sites on a worker thread; the model changes in bw_site_store_load_finish().
 */
void
bw_site_store_load_async (BwSiteStore         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, bw_site_store_load_async);
  g_task_set_task_data (task, GINT_TO_POINTER (self->allow_prompts), NULL);
  g_task_run_in_thread (task, load_thread);
}

gboolean
bw_site_store_load_finish (BwSiteStore   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  LoadData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_propagate_pointer (G_TASK (result), error);
  if (data == NULL)
    return FALSE;

  apply_loaded (self, data->sites, data->warnings);
  load_data_free (data);
  return TRUE;
}

/**
 * bw_site_store_find_by_id:
 *
 * Returns: (transfer none) (nullable): the site with @id
 */
BwSite *
bw_site_store_find_by_id (BwSiteStore *self,
                          const char  *id)
{
  guint position = find_position (self, id);

  return position != G_MAXUINT ? g_ptr_array_index (self->sites, position) : NULL;
}

/**
 * bw_site_store_find_by_name:
 *
 * Finds a site by its exact name, else by a unique case-insensitive match.
 *
 * Returns: (transfer none) (nullable): the site, or %NULL with @error set
 */
BwSite *
bw_site_store_find_by_name (BwSiteStore  *self,
                            const char   *name,
                            GError      **error)
{
  g_autofree char *folded = bw_site_name_fold (name);
  BwSite *match = NULL;
  guint n_matches = 0;

  for (guint i = 0; i < self->sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (self->sites, i);

      if (g_str_equal (bw_site_get_name (site), name))
        return site;
    }

  for (guint i = 0; i < self->sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (self->sites, i);
      g_autofree char *other = bw_site_name_fold (bw_site_get_name (site));

      if (g_str_equal (folded, other))
        {
          match = site;
          n_matches++;
        }
    }

  if (n_matches == 1)
    return match;

  if (n_matches > 1)
    g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_AMBIGUOUS,
                 _("Several sites are named like “%s”; give the exact name."), name);
  else
    g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NOT_FOUND, _("No site named “%s”."), name);
  return NULL;
}

/**
 * bw_site_store_check_name:
 * @except_id: (nullable): the site being edited, which may keep its own name
 *
 * Names are unique without regard to case, so that a site can be named on the command
 * line without surprises.
 */
gboolean
bw_site_store_check_name (BwSiteStore  *self,
                          const char   *name,
                          const char   *except_id,
                          GError      **error)
{
  g_autofree char *folded = bw_site_name_fold (name);

  for (guint i = 0; i < self->sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (self->sites, i);
      g_autofree char *other = bw_site_name_fold (bw_site_get_name (site));

      if (g_str_equal (folded, other) && g_strcmp0 (bw_site_get_id (site), except_id) != 0)
        {
          g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_DUPLICATE,
                       _("A site named “%s” already exists."), bw_site_get_name (site));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_before_write (BwSiteStore  *self,
                    BwSite       *site,
                    GError      **error)
{
  return bw_site_validate (site, error) &&
         bw_site_store_check_name (self, bw_site_get_name (site), bw_site_get_id (site), error);
}

/**
 * bw_site_store_save_sync:
 * @passphrase: (nullable): the key's passphrase, "" for none, or
 *   %BW_SITE_STORE_KEEP_PASSPHRASE to keep the stored one
 *
 * Adds @site, or replaces the stored site with the same id. Validates the fields and the
 * name's uniqueness first; the key file is the caller's to check.
 */
gboolean
bw_site_store_save_sync (BwSiteStore   *self,
                         BwSite        *site,
                         const char    *passphrase,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(BwSite) copy = NULL;
  gboolean ok;
  Deadline d;

  if (!check_before_write (self, site, error))
    return FALSE;

  deadline_begin (&d, cancellable, self->allow_prompts ? 0 : CLI_DEADLINE_S);
  copy = bw_site_copy (site);
  service = connect_service (d.cancellable, error);
  ok = service != NULL &&
       backend_write (service, copy, passphrase, self->allow_prompts, d.cancellable, error);
  if (!deadline_end (&d, ok, error))
    return FALSE;

  apply_saved (self, copy);
  return TRUE;
}

typedef struct {
  BwSite   *site;
  char     *passphrase;
  gboolean  allow_prompts;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->site);
  if (data->passphrase != NULL)
    explicit_bzero (data->passphrase, strlen (data->passphrase));
  g_clear_pointer (&data->passphrase, g_free);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(SecretService) service = NULL;
  GError *error = NULL;

  service = connect_service (cancellable, &error);
  if (service == NULL ||
      !backend_write (service, data->site, data->passphrase, data->allow_prompts, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * bw_site_store_save_async:
 *
 * bw_site_store_save_sync() on a worker thread. Validation happens at once, in the
 * caller's thread; the model changes in bw_site_store_save_finish().
 */
void
bw_site_store_save_async (BwSiteStore         *self,
                          BwSite              *site,
                          const char          *passphrase,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SaveData *data;
  GError *error = NULL;

  g_task_set_source_tag (task, bw_site_store_save_async);

  if (!check_before_write (self, site, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (SaveData, 1);
  data->site = bw_site_copy (site);
  data->passphrase = g_strdup (passphrase);
  data->allow_prompts = self->allow_prompts;
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
bw_site_store_save_finish (BwSiteStore   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  SaveData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  data = g_task_get_task_data (G_TASK (result));
  apply_saved (self, data->site);
  return TRUE;
}

static gboolean add_all        (BwSiteStore    *self,
                                GPtrArray      *sites,
                                GPtrArray      *written,
                                GCancellable   *cancellable,
                                GError        **error);
static gboolean add_all_locked (BwSiteStore    *self,
                                SecretService  *service,
                                GPtrArray      *sites,
                                GPtrArray      *written,
                                GCancellable   *cancellable,
                                GError        **error);

/**
 * bw_site_store_add_all_sync:
 * @sites: (element-type BwSite): new sites, each already validated by the caller
 *
 * Adds every site, or none: when one write fails, the ones already written are removed
 * again. Used by the importers.
 */
gboolean
bw_site_store_add_all_sync (BwSiteStore   *self,
                            GPtrArray     *sites,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean ok;
  Deadline d;

  for (guint i = 0; i < sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (sites, i);

      if (!check_before_write (self, site, error))
        return FALSE;

      for (guint j = 0; j < i; j++)
        {
          g_autofree char *a = bw_site_name_fold (bw_site_get_name (site));
          g_autofree char *b = bw_site_name_fold (bw_site_get_name (g_ptr_array_index (sites, j)));

          if (g_str_equal (a, b))
            {
              g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_DUPLICATE,
                           _("The name “%s” appears twice."), bw_site_get_name (site));
              return FALSE;
            }
        }
    }

  /* Each write is one D-Bus round trip or two: allow for many sites. */
  deadline_begin (&d, cancellable, self->allow_prompts ? 0 : CLI_DEADLINE_S + sites->len / 5);
  ok = add_all (self, sites, written, d.cancellable, error);
  if (!deadline_end (&d, ok, error))
    return FALSE;

  for (guint i = 0; i < written->len; i++)
    apply_saved (self, g_ptr_array_index (written, i));
  return TRUE;
}

static gboolean
add_all (BwSiteStore   *self,
         GPtrArray     *sites,
         GPtrArray     *written,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(SecretService) service = connect_service (cancellable, error);
  int lock;
  gboolean ok;

  if (service == NULL)
    return FALSE;

  lock = acquire_write_lock (error);
  if (lock < 0)
    return FALSE;
  ok = names_are_free (service, sites, self->allow_prompts, cancellable, error) &&
       add_all_locked (self, service, sites, written, cancellable, error);
  release_write_lock (lock);
  return ok;
}

static gboolean
add_all_locked (BwSiteStore    *self,
                SecretService  *service,
                GPtrArray      *sites,
                GPtrArray      *written,
                GCancellable   *cancellable,
                GError        **error)
{
  for (guint i = 0; i < sites->len; i++)
    {
      g_autoptr(BwSite) copy = bw_site_copy (g_ptr_array_index (sites, i));

      if (!backend_write_locked (service, copy, "", self->allow_prompts, cancellable, error))
        {
          for (guint j = 0; j < written->len; j++)
            {
              g_autoptr(GError) rollback_error = NULL;
              BwSite *done = g_ptr_array_index (written, j);

              if (!backend_delete (service, bw_site_get_id (done), self->allow_prompts, NULL,
                                   &rollback_error))
                g_warning ("Could not roll back the site “%s”: %s", bw_site_get_name (done),
                           rollback_error->message);
            }
          return FALSE;
        }
      g_ptr_array_add (written, g_steal_pointer (&copy));
    }

  return TRUE;
}

/**
 * bw_site_store_remove_sync:
 *
 * Removes @site from the keyring and the model.
 */
gboolean
bw_site_store_remove_sync (BwSiteStore   *self,
                           BwSite        *site,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autofree char *id = g_strdup (bw_site_get_id (site));
  gboolean ok;
  Deadline d;

  deadline_begin (&d, cancellable, self->allow_prompts ? 0 : CLI_DEADLINE_S);
  service = connect_service (d.cancellable, error);
  ok = service != NULL && backend_delete (service, id, self->allow_prompts, d.cancellable, error);
  if (!deadline_end (&d, ok, error))
    return FALSE;

  apply_removed (self, id);
  return TRUE;
}

static void
remove_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  BwSiteStore *self = source_object;
  g_autoptr(SecretService) service = NULL;
  GError *error = NULL;

  service = connect_service (cancellable, &error);
  if (service == NULL ||
      !backend_delete (service, task_data, self->allow_prompts, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
bw_site_store_remove_async (BwSiteStore         *self,
                            BwSite              *site,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, bw_site_store_remove_async);
  g_task_set_task_data (task, g_strdup (bw_site_get_id (site)), g_free);
  g_task_run_in_thread (task, remove_thread);
}

gboolean
bw_site_store_remove_finish (BwSiteStore   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  apply_removed (self, g_task_get_task_data (G_TASK (result)));
  return TRUE;
}

/**
 * bw_site_store_lookup_passphrase_sync:
 *
 * Returns: (transfer full): the stored passphrase, "" when there is none, or %NULL with
 *   @error set. The caller wipes it with explicit_bzero() before freeing.
 */
char *
bw_site_store_lookup_passphrase_sync (BwSiteStore   *self,
                                      BwSite        *site,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autolist(SecretItem) items = NULL;
  g_autoptr(SecretValue) value = NULL;
  GError *local_error = NULL;
  Deadline d;

  deadline_begin (&d, cancellable, self->allow_prompts ? 0 : CLI_DEADLINE_S);
  service = connect_service (d.cancellable, &local_error);
  if (service != NULL)
    items = search_items (service, bw_site_get_id (site), self->allow_prompts, d.cancellable, &local_error);
  if (!deadline_end (&d, local_error == NULL, &local_error))
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (items == NULL)
    {
      g_set_error (error, BW_STORE_ERROR, BW_STORE_ERROR_NOT_FOUND,
                   _("The site “%s” is no longer in the keyring."), bw_site_get_name (site));
      return NULL;
    }

  value = secret_item_get_secret (newest_item (items));
  return g_strdup (value != NULL && secret_value_get_text (value) != NULL
                   ? secret_value_get_text (value) : "");
}

/**
 * bw_site_store_get_warnings:
 *
 * Returns: (transfer none): what the last load had to say about unusable items
 */
const char * const *
bw_site_store_get_warnings (BwSiteStore *self)
{
  static const char * const none[] = { NULL };

  /* A null-terminated GPtrArray has no storage at all until its first element. */
  if (self->warnings->pdata == NULL)
    return none;
  return (const char * const *) self->warnings->pdata;
}
