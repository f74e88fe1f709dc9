// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-key-load"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-key-check-private.h"
#include "bw-key-load-private.h"

/* The libssh half of the key checker: decrypting and loading a key that bw-key-check.c
 * has already inspected. */

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ssh_key, ssh_key_free, NULL)

/* libssh calls this only when given a NULL passphrase, which Banwatch never does. It is
 * here anyway: without any callback, libssh lets OpenSSL prompt on the terminal. */
static int
refuse_passphrase_prompt_cb (const char *prompt,
                             char       *buf,
                             size_t      len,
                             int         echo,
                             int         verify,
                             void       *userdata)
{
  return SSH_ERROR;
}

/* Reads what libssh loaded back through the same blob parser, so that PEM and PKCS#8 keys
 * get their type, size and fingerprint, and an OpenSSH file whose private part does not
 * belong to its public key is caught. */
static gboolean
check_loaded_key (const char  *display,
                  ssh_key      key,
                  BwKeyInfo   *info,
                  GError     **error)
{
  char *libssh_b64 = NULL;
  g_autofree char *b64 = NULL;
  g_autofree guint8 *blob = NULL;
  gsize blob_len = 0;
  g_autofree char *type = NULL;
  g_autofree char *fingerprint = NULL;
  guint bits = 0;

  if (!ssh_key_is_private (key) || ssh_pki_export_pubkey_base64 (key, &libssh_b64) != SSH_OK)
    return bw_key_corrupt_error (error, display, _("libssh could not read its key"));

  b64 = g_strdup (libssh_b64);
  ssh_string_free_char (libssh_b64);
  blob = g_base64_decode (b64, &blob_len);

  if (!bw_key_parse_public_blob (display, blob, blob_len, &type, &bits, &fingerprint, error))
    return FALSE;

  if ((info->type != NULL && !g_str_equal (info->type, type))
      || (info->fingerprint != NULL && !g_str_equal (info->fingerprint, fingerprint)))
    return bw_key_corrupt_error (error, display, _("its private part does not match its public key"));

  g_free (info->type);
  info->type = g_steal_pointer (&type);
  g_free (info->fingerprint);
  info->fingerprint = g_steal_pointer (&fingerprint);
  info->bits = bits;
  return TRUE;
}

/**
 * bw_key_load:
 * @passphrase: (nullable): the key's passphrase; %NULL or "" when it has none
 * @out_info: (out) (optional): what was learned about the key
 *
 * bw_key_inspect(), then decrypts and loads the key with libssh. An encrypted key without
 * a passphrase fails with %BW_KEY_ERROR_PASSPHRASE_REQUIRED before libssh is called.
 *
 * Returns: (transfer full): the private key, to be freed with ssh_key_free(); or %NULL with
 *   @error set.
 */
ssh_key
bw_key_load (const char  *path,
             const char  *passphrase,
             BwKeyInfo  **out_info,
             GError     **error)
{
  g_autoptr(SecretBytes) block = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  g_autofree char *display = NULL;
  g_auto(ssh_key) key = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  info = bw_key_inspect_block (path, &block, error);
  if (info == NULL)
    return NULL;

  display = g_filename_display_name (path);

  if (info->encrypted && (passphrase == NULL || *passphrase == '\0'))
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_PASSPHRASE_REQUIRED,
                   _("The key file %s is protected by a passphrase, and none is stored. "
                     "Enter the key's passphrase in the site's settings."),
                   display);
      return NULL;
    }

  /* Never a NULL passphrase: see refuse_passphrase_prompt_cb(). */
  if (ssh_pki_import_privkey_base64 ((const char *) block->data,
                                     passphrase != NULL ? passphrase : "",
                                     refuse_passphrase_prompt_cb, NULL, &key) != SSH_OK
      || key == NULL)
    {
      g_autofree char *q = g_shell_quote (display);

      if (info->encrypted)
        g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_WRONG_PASSPHRASE,
                     _("The passphrase for the key file %s is wrong. Check the passphrase "
                       "stored for this site; “ssh-keygen -y -f %s” tests it."),
                     display, q);
      else
        g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_CORRUPT,
                     _("The key file %s is damaged: libssh cannot load it. “ssh-keygen -y -f "
                       "%s” shows whether OpenSSH can; otherwise restore it from a backup."),
                     display, q);
      return NULL;
    }

  if (!check_loaded_key (display, key, info, error))
    return NULL;

  if (out_info != NULL)
    *out_info = g_steal_pointer (&info);
  return g_steal_pointer (&key);
}

/**
 * bw_key_check:
 *
 * bw_key_load() for its verdict only; the key is freed at once.
 *
 * Returns: (transfer full): what was learned, or %NULL with @error set.
 */
BwKeyInfo *
bw_key_check (const char  *path,
              const char  *passphrase,
              GError     **error)
{
  BwKeyInfo *info = NULL;
  g_auto(ssh_key) key = bw_key_load (path, passphrase, &info, error);

  if (key == NULL)
    return NULL;

  return info;
}
