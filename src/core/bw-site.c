// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-provider.h"
#include "bw-site.h"
#include "bw-validate.h"

/**
 * BwSite:
 *
 * One client's SSH endpoint: where to connect, as whom, and with which key file
 * (referenced by path, never copied). The key's passphrase is not part of the model: it
 * lives only as the keyring item's secret.
 */
struct _BwSite
{
  GObject   parent_instance;

  char     *id;
  char     *name;
  char     *host;
  guint     port;
  char     *user;
  char     *key_path;
  char     *provider;
  char     *notes;
  gboolean  has_passphrase;
};

G_DEFINE_FINAL_TYPE (BwSite, bw_site, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_USER,
  PROP_KEY_PATH,
  PROP_PROVIDER,
  PROP_NOTES,
  PROP_HAS_PASSPHRASE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
bw_site_finalize (GObject *object)
{
  BwSite *self = (BwSite *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->key_path, g_free);
  g_clear_pointer (&self->provider, g_free);
  g_clear_pointer (&self->notes, g_free);

  G_OBJECT_CLASS (bw_site_parent_class)->finalize (object);
}

static void
bw_site_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  BwSite *self = BW_SITE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_KEY_PATH:
      g_value_set_string (value, self->key_path);
      break;
    case PROP_PROVIDER:
      g_value_set_string (value, self->provider);
      break;
    case PROP_NOTES:
      g_value_set_string (value, self->notes);
      break;
    case PROP_HAS_PASSPHRASE:
      g_value_set_boolean (value, self->has_passphrase);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bw_site_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  BwSite *self = BW_SITE (object);

  switch (prop_id)
    {
    case PROP_ID:
      bw_site_set_id (self, g_value_get_string (value));
      break;
    case PROP_NAME:
      bw_site_set_name (self, g_value_get_string (value));
      break;
    case PROP_HOST:
      bw_site_set_host (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      bw_site_set_port (self, g_value_get_uint (value));
      break;
    case PROP_USER:
      bw_site_set_user (self, g_value_get_string (value));
      break;
    case PROP_KEY_PATH:
      bw_site_set_key_path (self, g_value_get_string (value));
      break;
    case PROP_PROVIDER:
      bw_site_set_provider (self, g_value_get_string (value));
      break;
    case PROP_NOTES:
      bw_site_set_notes (self, g_value_get_string (value));
      break;
    case PROP_HAS_PASSPHRASE:
      bw_site_set_has_passphrase (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bw_site_class_init (BwSiteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bw_site_finalize;
  object_class->get_property = bw_site_get_property;
  object_class->set_property = bw_site_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 1, 65535, 22, flags);
  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, flags);
  properties[PROP_KEY_PATH] = g_param_spec_string ("key-path", NULL, NULL, NULL, flags);
  properties[PROP_PROVIDER] = g_param_spec_string ("provider", NULL, NULL, "generic", flags);
  properties[PROP_NOTES] = g_param_spec_string ("notes", NULL, NULL, "", flags);
  properties[PROP_HAS_PASSPHRASE] = g_param_spec_boolean ("has-passphrase", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bw_site_init (BwSite *self)
{
  self->port = 22;
  self->provider = g_strdup ("generic");
  self->notes = g_strdup ("");
}

/**
 * bw_site_new:
 *
 * Returns: (transfer full): an empty site with a fresh id
 */
BwSite *
bw_site_new (void)
{
  g_autofree char *id = g_uuid_string_random ();

  return g_object_new (BW_TYPE_SITE, "id", id, NULL);
}

/**
 * bw_site_copy:
 *
 * Returns: (transfer full): a new site with the same values, id included
 */
BwSite *
bw_site_copy (BwSite *self)
{
  return g_object_new (BW_TYPE_SITE,
                       "id", self->id,
                       "name", self->name,
                       "host", self->host,
                       "port", self->port,
                       "user", self->user,
                       "key-path", self->key_path,
                       "provider", self->provider,
                       "notes", self->notes,
                       "has-passphrase", self->has_passphrase,
                       NULL);
}

static void
set_string (BwSite      *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
bw_site_get_id (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->id;
}

void
bw_site_set_id (BwSite     *self,
                const char *id)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->id, id, PROP_ID);
}

const char *
bw_site_get_name (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->name;
}

void
bw_site_set_name (BwSite     *self,
                  const char *name)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->name, name, PROP_NAME);
}

const char *
bw_site_get_host (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->host;
}

void
bw_site_set_host (BwSite     *self,
                  const char *host)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->host, host, PROP_HOST);
}

guint
bw_site_get_port (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), 0);
  return self->port;
}

void
bw_site_set_port (BwSite *self,
                  guint   port)
{
  g_return_if_fail (BW_IS_SITE (self));
  g_return_if_fail (port >= 1 && port <= 65535);

  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

const char *
bw_site_get_user (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->user;
}

void
bw_site_set_user (BwSite     *self,
                  const char *user)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->user, user, PROP_USER);
}

/**
 * bw_site_get_key_path:
 *
 * Returns: (nullable): the private key's path, or %NULL when no key was chosen yet
 * (a site imported from an ssh_config entry without IdentityFile)
 */
const char *
bw_site_get_key_path (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->key_path;
}

void
bw_site_set_key_path (BwSite     *self,
                      const char *key_path)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->key_path, key_path != NULL && *key_path != '\0' ? key_path : NULL,
              PROP_KEY_PATH);
}

const char *
bw_site_get_provider (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->provider;
}

void
bw_site_set_provider (BwSite     *self,
                      const char *provider)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->provider, provider != NULL ? provider : "generic", PROP_PROVIDER);
}

const char *
bw_site_get_notes (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), NULL);
  return self->notes;
}

void
bw_site_set_notes (BwSite     *self,
                   const char *notes)
{
  g_return_if_fail (BW_IS_SITE (self));
  set_string (self, &self->notes, notes != NULL ? notes : "", PROP_NOTES);
}

gboolean
bw_site_get_has_passphrase (BwSite *self)
{
  g_return_val_if_fail (BW_IS_SITE (self), FALSE);
  return self->has_passphrase;
}

void
bw_site_set_has_passphrase (BwSite   *self,
                            gboolean  has_passphrase)
{
  g_return_if_fail (BW_IS_SITE (self));

  has_passphrase = !!has_passphrase;
  if (self->has_passphrase == has_passphrase)
    return;

  self->has_passphrase = has_passphrase;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_PASSPHRASE]);
}

/**
 * bw_site_dup_destination:
 *
 * Returns: (transfer full): "host:port", or "[v6]:port", the server as configured
 */
char *
bw_site_dup_destination (BwSite *self)
{
  if (self->host != NULL && strchr (self->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", self->host, self->port);
  return g_strdup_printf ("%s:%u", self->host, self->port);
}

/**
 * bw_site_validate:
 *
 * Checks the fields that need no file system or network: name, host (which must already
 * be normalised), port, user, provider and notes. The key file is checked by the probe's
 * key checker, which the callers run too.
 */
gboolean
bw_site_validate (BwSite  *self,
                  GError **error)
{
  g_autofree char *normalised = NULL;

  g_return_val_if_fail (BW_IS_SITE (self), FALSE);

  if (!bw_validate_name (self->name, error))
    return FALSE;

  normalised = bw_validate_host (self->host, error);
  if (normalised == NULL)
    return FALSE;

  if (!g_str_equal (normalised, self->host))
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                   _("The host “%s” is not in its normal form “%s”."), self->host, normalised);
      return FALSE;
    }

  if (self->port < 1 || self->port > 65535)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PORT,
                   _("The port %u is not between 1 and 65535."), self->port);
      return FALSE;
    }

  if (!bw_validate_user (self->user, error))
    return FALSE;

  if (bw_provider_lookup (self->provider) == NULL)
    {
      g_autofree char *ids = bw_provider_list_ids ();
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PROVIDER,
                   _("Unknown provider “%s”; choose one of: %s."), self->provider, ids);
      return FALSE;
    }

  if (!g_utf8_validate (self->notes, -1, NULL) || strlen (self->notes) > 4096)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NOTES,
                   _("The notes must be UTF-8 text of at most 4096 bytes."));
      return FALSE;
    }

  return TRUE;
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * bw_site_to_json:
 * @for_export: leave out what is private to this keyring (the id and whether a
 *   passphrase is stored)
 *
 * Returns: (transfer full): the documented site object
 */
JsonNode *
bw_site_to_json (BwSite   *self,
                 gboolean  for_export)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (!for_export)
    add_member (builder, "id", self->id);
  add_member (builder, "name", self->name);
  add_member (builder, "host", self->host);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, self->port);
  add_member (builder, "user", self->user);
  add_member (builder, "key", self->key_path);
  add_member (builder, "provider", self->provider);
  add_member (builder, "notes", self->notes);
  if (!for_export)
    {
      json_builder_set_member_name (builder, "has_passphrase");
      json_builder_add_boolean_value (builder, self->has_passphrase);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * bw_site_apply_fields:
 * @fields: what the user typed; %NULL members stay as they are
 * @is_new: a new site takes its provider's default port when none is given
 *
 * The one validation path for every way a site is entered: the CLI's options, the
 * Add/Edit dialog, and both importers. Each field is checked with a message that names
 * the problem; the site is changed only as far as the fields are valid.
 */
gboolean
bw_site_apply_fields (BwSite              *site,
                      const BwSiteFields  *o,
                      gboolean             is_new,
                      GError             **error)
{
  const BwProvider *provider = bw_provider_lookup (bw_site_get_provider (site));

  if (o->provider != NULL)
    {
      provider = bw_provider_lookup (o->provider);
      if (provider == NULL)
        {
          g_autofree char *ids = bw_provider_list_ids ();
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PROVIDER,
                       _("Unknown provider “%s”; choose one of: %s."), o->provider, ids);
          return FALSE;
        }
      bw_site_set_provider (site, provider->id);
    }

  if (o->name != NULL)
    {
      if (!bw_validate_name (o->name, error))
        return FALSE;
      bw_site_set_name (site, o->name);
    }

  if (o->host != NULL)
    {
      g_autofree char *host = bw_validate_host (o->host, error);
      if (host == NULL)
        return FALSE;
      bw_site_set_host (site, host);
    }

  if (o->port != NULL)
    {
      guint16 port;
      if (!bw_validate_port (o->port, &port, error))
        return FALSE;
      bw_site_set_port (site, port);
    }
  else if (is_new && provider != NULL)
    bw_site_set_port (site, provider->default_port);

  if (o->user != NULL)
    {
      if (!bw_validate_user (o->user, error))
        return FALSE;
      bw_site_set_user (site, o->user);
    }

  if (o->key != NULL)
    {
      g_autofree char *path = NULL;

      if (*o->key == '\0')
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_KEY, _("The key path is empty."));
          return FALSE;
        }
      path = g_canonicalize_filename (o->key, NULL);
      bw_site_set_key_path (site, path);
    }

  if (o->notes != NULL)
    bw_site_set_notes (site, o->notes);

  return bw_site_validate (site, error);
}

/**
 * bw_site_name_fold:
 *
 * Returns: (transfer full): the form of @name used to compare names: normalised and
 * case-folded, so that "Shop" and "shop" are the same site name
 */
char *
bw_site_name_fold (const char *name)
{
  g_autofree char *normal = g_utf8_normalize (name, -1, G_NORMALIZE_ALL_COMPOSE);

  return g_utf8_casefold (normal != NULL ? normal : name, -1);
}

/**
 * bw_site_compare:
 *
 * Orders sites by name as a person expects: case-insensitive, by locale collation.
 */
int
bw_site_compare (BwSite *a,
                 BwSite *b)
{
  g_autofree char *fa = bw_site_name_fold (a->name != NULL ? a->name : "");
  g_autofree char *fb = bw_site_name_fold (b->name != NULL ? b->name : "");
  int result = g_utf8_collate (fa, fb);

  if (result == 0)
    result = g_strcmp0 (a->name, b->name);
  if (result == 0)
    result = g_strcmp0 (a->id, b->id);
  return result;
}
