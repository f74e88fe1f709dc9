// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "test-key-check"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "probe/bw-key-load-private.h"

/* Real keys are made at test time with ssh-keygen, so the tests follow whatever the installed
 * OpenSSH writes. Without ssh-keygen the tests fail: skipping would hide a broken setup. */

#define PASSPHRASE "correct horse battery"

static char *ssh_keygen;
static char *tmpdir;

/* ---- helpers ----------------------------------------------------------------------------- */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Runs ssh-keygen with @args (NULL-terminated) and returns its standard output. */
static char *
run_ssh_keygen (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (ssh_keygen);

  g_ptr_array_add (argv, ssh_keygen);
  for (const char * const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);

  /* stdin from /dev/null: ssh-keygen must never wait for an answer. */
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("ssh-keygen failed: %s\n%s", error->message, err);

  return g_steal_pointer (&out);
}

/* Makes a key with ssh-keygen; returns its path. @bits, @format and @cipher may be NULL. */
static char *
make_key (const char *name,
          const char *type,
          const char *bits,
          const char *format,
          const char *passphrase,
          const char *cipher)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  char *path = tmp_path (name);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  g_autofree char *out = NULL;

  /* Some bad cases share a setup; ssh-keygen would ask before overwriting. */
  g_remove (path);
  g_remove (pub);

  g_strv_builder_add_many (builder, "-q", "-t", type, "-C", "bw-test", "-f", path,
                           "-N", passphrase != NULL ? passphrase : "", NULL);
  if (bits != NULL)
    g_strv_builder_add_many (builder, "-b", bits, NULL);
  if (format != NULL)
    g_strv_builder_add_many (builder, "-m", format, NULL);
  if (cipher != NULL)
    g_strv_builder_add_many (builder, "-Z", cipher, NULL);
  args = g_strv_builder_end (builder);

  out = run_ssh_keygen ((const char * const *) args);
  return path;
}

/* What `ssh-keygen -lf` says about a public key: its size and SHA256 fingerprint. */
static char *
keygen_fingerprint (const char *private_path,
                    guint      *out_bits)
{
  g_autofree char *pub = g_strconcat (private_path, ".pub", NULL);
  const char *args[] = { "-l", "-f", pub, NULL };
  g_autofree char *out = run_ssh_keygen (args);
  g_auto(GStrv) fields = g_strsplit (out, " ", 3);

  g_assert_cmpuint (g_strv_length (fields), ==, 3);
  g_assert_true (g_str_has_prefix (fields[1], "SHA256:"));
  *out_bits = (guint) g_ascii_strtoull (fields[0], NULL, 10);
  return g_strdup (fields[1]);
}

static void
write_file (const char   *path,
            const void   *data,
            gsize         len,
            int           mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
}

static char *
write_tmp (const char *name,
           const char *text)
{
  char *path = tmp_path (name);

  write_file (path, text, strlen (text), 0600);
  return path;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* ---- OpenSSH key files, made by hand ------------------------------------------------------
 * For what ssh-keygen no longer writes (sk keys need a token; DSA may be gone) and for damage
 * in precise places. Layout per OpenSSH's PROTOCOL.key. */

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  guint8 be[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (b, be, 4);
}

static void
put_string (GByteArray *b,
            const void *data,
            gsize       len)
{
  put_u32 (b, (guint32) len);
  g_byte_array_append (b, data, (guint) len);
}

static void
put_cstring (GByteArray *b,
             const char *s)
{
  put_string (b, s, strlen (s));
}

static void
put_filler (GByteArray *b,
            gsize       len,
            guint8      first)
{
  g_autofree guint8 *bytes = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    bytes[i] = (guint8) (first + i);
  put_string (b, bytes, len);
}

static char *
armor_openssh (const guint8 *data,
               gsize         len)
{
  g_autofree char *b64 = g_base64_encode (data, len);
  g_autoptr(GString) text = g_string_new ("-----BEGIN OPENSSH PRIVATE KEY-----\n");

  for (gsize i = 0, n = strlen (b64); i < n; i += 70)
    {
      g_string_append_len (text, b64 + i, MIN (70, n - i));
      g_string_append_c (text, '\n');
    }
  g_string_append (text, "-----END OPENSSH PRIVATE KEY-----\n");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct {
  const char *cipher;
  const char *kdf;
  guint32     rounds;      /* for bcrypt */
  guint32     n_keys;
  GByteArray *public_blob;
  GByteArray *private_blob;
} OpensshParts;

static char *
build_openssh (const OpensshParts *parts)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GByteArray) kdf_options = g_byte_array_new ();

  if (g_str_equal (parts->kdf, "bcrypt"))
    {
      put_filler (kdf_options, 16, 0x40);
      put_u32 (kdf_options, parts->rounds);
    }

  g_byte_array_append (b, (const guint8 *) "openssh-key-v1", sizeof "openssh-key-v1");
  put_cstring (b, parts->cipher);
  put_cstring (b, parts->kdf);
  put_string (b, kdf_options->data, kdf_options->len);
  put_u32 (b, parts->n_keys);
  put_string (b, parts->public_blob->data, parts->public_blob->len);
  put_string (b, parts->private_blob->data, parts->private_blob->len);
  return armor_openssh (b->data, b->len);
}

/* A public blob of @type whose fields after the type are filler of the right sizes. */
static GByteArray *
fake_public_blob (const char *type)
{
  GByteArray *b = g_byte_array_new ();

  put_cstring (b, type);
  if (g_str_equal (type, "ssh-dss"))
    {
      put_filler (b, 129, 0x01);  /* p */
      put_filler (b, 21, 0x01);   /* q */
      put_filler (b, 129, 0x01);  /* g */
      put_filler (b, 129, 0x01);  /* y */
    }
  else if (g_str_equal (type, "sk-ssh-ed25519@openssh.com"))
    {
      put_filler (b, 32, 0x11);
      put_cstring (b, "ssh:");
    }
  else if (g_str_equal (type, "sk-ecdsa-sha2-nistp256@openssh.com"))
    {
      g_autofree guint8 *point = g_malloc0 (65);

      point[0] = 0x04;
      put_cstring (b, "nistp256");
      put_string (b, point, 65);
      put_cstring (b, "ssh:");
    }
  else if (g_str_equal (type, "ssh-rsa"))
    {
      /* A 768-bit modulus: a leading zero, then 96 bytes whose top bit is set. */
      guint8 e[] = { 0x01, 0x00, 0x01 };
      guint8 n[97] = { 0 };

      memset (n + 1, 0xc5, 96);
      put_string (b, e, sizeof e);
      put_string (b, n, sizeof n);
    }
  else
    {
      put_filler (b, 32, 0x21);  /* ed25519 */
    }
  return b;
}

/* An unencrypted private section: check ints, type, filler, comment, padding to 8. */
static GByteArray *
fake_private_blob (const char *type)
{
  GByteArray *b = g_byte_array_new ();

  put_u32 (b, 0x12345678);
  put_u32 (b, 0x12345678);
  put_cstring (b, type);
  put_filler (b, 64, 0x31);
  put_cstring (b, "bw-test");
  for (guint8 pad = 1; b->len % 8 != 0; pad++)
    g_byte_array_append (b, &pad, 1);
  return b;
}

static char *
write_fake_openssh (const char *name,
                    const char *type,
                    const char *cipher,
                    const char *kdf,
                    guint32     rounds,
                    guint32     n_keys)
{
  g_autoptr(GByteArray) public_blob = fake_public_blob (type);
  g_autoptr(GByteArray) private_blob = fake_private_blob (type);
  OpensshParts parts = { cipher, kdf, rounds, n_keys, public_blob, private_blob };
  g_autofree char *text = NULL;

  /* An encrypted private section is 16 bytes per AES block. */
  while (!g_str_equal (cipher, "none") && private_blob->len % 16 != 0)
    g_byte_array_append (private_blob, (const guint8 *) "", 1);

  text = build_openssh (&parts);
  return write_tmp (name, text);
}

/* Splits a real OpenSSH key file into its parts, to rebuild it with damage. */
typedef struct {
  guint8 *binary;
  gsize   len;
  gsize   public_offset;   /* of the public blob's contents */
  gsize   public_len;
  gsize   private_offset;  /* of the private section's contents */
  gsize   private_len;
} OpensshFile;

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
openssh_file_load (const char  *path,
                   OpensshFile *file)
{
  g_autofree char *text = read_text (path);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) b64 = g_string_new (NULL);
  gsize off = sizeof "openssh-key-v1";

  for (guint i = 1; lines[i] != NULL && !g_str_has_prefix (lines[i], "-----END"); i++)
    g_string_append (b64, lines[i]);
  file->binary = g_base64_decode (b64->str, &file->len);

  for (guint i = 0; i < 3; i++)  /* cipher, kdf, kdf options */
    off += 4 + get_u32 (file->binary + off);
  g_assert_cmpuint (get_u32 (file->binary + off), ==, 1);
  off += 4;
  file->public_len = get_u32 (file->binary + off);
  file->public_offset = off + 4;
  off = file->public_offset + file->public_len;
  file->private_len = get_u32 (file->binary + off);
  file->private_offset = off + 4;
  g_assert_cmpuint (file->private_offset + file->private_len, <=, file->len);
}

static void
openssh_file_clear (OpensshFile *file)
{
  g_clear_pointer (&file->binary, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OpensshFile, openssh_file_clear)

static char *
openssh_file_write (const OpensshFile *file,
                    const char        *name)
{
  g_autofree char *text = armor_openssh (file->binary, file->len);

  return write_tmp (name, text);
}

/* ---- keys that must work ----------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *type_arg;     /* ssh-keygen -t */
  const char *bits_arg;     /* -b */
  const char *format_arg;   /* -m */
  const char *cipher_arg;   /* -Z */
  gboolean    encrypted;
  const char *type;
  const char *format;       /* alternatives separated by '|' */
  const char *cipher;       /* alternatives separated by '|' */
} GoodKey;

/* ssh-keygen 9.2 writes ed25519 keys in OpenSSH format whatever -m says; newer versions may
 * write PKCS#8, so both are accepted there. */
#define ED_PEM_FORMAT "openssh|pkcs8"
#define ED_PEM_CIPHER "aes256-ctr|pkcs8-encrypted"

static const GoodKey good_keys[] = {
  { "ed25519", "ed25519", NULL, NULL, NULL, FALSE, "ssh-ed25519", "openssh", "none" },
  { "ed25519-enc", "ed25519", NULL, NULL, NULL, TRUE, "ssh-ed25519", "openssh", "aes256-ctr" },
  { "ed25519-pem", "ed25519", NULL, "PEM", NULL, FALSE, "ssh-ed25519", ED_PEM_FORMAT, "none" },
  { "ed25519-pem-enc", "ed25519", NULL, "PEM", NULL, TRUE, "ssh-ed25519", ED_PEM_FORMAT,
    ED_PEM_CIPHER },
  { "ed25519-pkcs8", "ed25519", NULL, "PKCS8", NULL, FALSE, "ssh-ed25519", ED_PEM_FORMAT, "none" },
  { "ed25519-pkcs8-enc", "ed25519", NULL, "PKCS8", NULL, TRUE, "ssh-ed25519", ED_PEM_FORMAT,
    ED_PEM_CIPHER },

  { "ecdsa256", "ecdsa", "256", NULL, NULL, FALSE, "ecdsa-sha2-nistp256", "openssh", "none" },
  { "ecdsa256-enc", "ecdsa", "256", NULL, NULL, TRUE, "ecdsa-sha2-nistp256", "openssh",
    "aes256-ctr" },
  { "ecdsa256-pem", "ecdsa", "256", "PEM", NULL, FALSE, "ecdsa-sha2-nistp256", "pem", "none" },
  { "ecdsa256-pem-enc", "ecdsa", "256", "PEM", NULL, TRUE, "ecdsa-sha2-nistp256", "pem",
    "AES-128-CBC" },
  { "ecdsa256-pkcs8", "ecdsa", "256", "PKCS8", NULL, FALSE, "ecdsa-sha2-nistp256", "pkcs8",
    "none" },
  { "ecdsa256-pkcs8-enc", "ecdsa", "256", "PKCS8", NULL, TRUE, "ecdsa-sha2-nistp256", "pkcs8",
    "pkcs8-encrypted" },

  { "ecdsa384", "ecdsa", "384", NULL, NULL, FALSE, "ecdsa-sha2-nistp384", "openssh", "none" },
  { "ecdsa384-enc", "ecdsa", "384", NULL, NULL, TRUE, "ecdsa-sha2-nistp384", "openssh",
    "aes256-ctr" },
  { "ecdsa384-pem", "ecdsa", "384", "PEM", NULL, FALSE, "ecdsa-sha2-nistp384", "pem", "none" },
  { "ecdsa384-pem-enc", "ecdsa", "384", "PEM", NULL, TRUE, "ecdsa-sha2-nistp384", "pem",
    "AES-128-CBC" },
  { "ecdsa384-pkcs8", "ecdsa", "384", "PKCS8", NULL, FALSE, "ecdsa-sha2-nistp384", "pkcs8",
    "none" },
  { "ecdsa384-pkcs8-enc", "ecdsa", "384", "PKCS8", NULL, TRUE, "ecdsa-sha2-nistp384", "pkcs8",
    "pkcs8-encrypted" },

  { "ecdsa521", "ecdsa", "521", NULL, NULL, FALSE, "ecdsa-sha2-nistp521", "openssh", "none" },
  { "ecdsa521-enc", "ecdsa", "521", NULL, NULL, TRUE, "ecdsa-sha2-nistp521", "openssh",
    "aes256-ctr" },
  { "ecdsa521-pem", "ecdsa", "521", "PEM", NULL, FALSE, "ecdsa-sha2-nistp521", "pem", "none" },
  { "ecdsa521-pem-enc", "ecdsa", "521", "PEM", NULL, TRUE, "ecdsa-sha2-nistp521", "pem",
    "AES-128-CBC" },
  { "ecdsa521-pkcs8", "ecdsa", "521", "PKCS8", NULL, FALSE, "ecdsa-sha2-nistp521", "pkcs8",
    "none" },
  { "ecdsa521-pkcs8-enc", "ecdsa", "521", "PKCS8", NULL, TRUE, "ecdsa-sha2-nistp521", "pkcs8",
    "pkcs8-encrypted" },

  { "rsa3072", "rsa", "3072", NULL, NULL, FALSE, "ssh-rsa", "openssh", "none" },
  { "rsa3072-enc", "rsa", "3072", NULL, NULL, TRUE, "ssh-rsa", "openssh", "aes256-ctr" },
  { "rsa3072-pem", "rsa", "3072", "PEM", NULL, FALSE, "ssh-rsa", "pem", "none" },
  { "rsa3072-pem-enc", "rsa", "3072", "PEM", NULL, TRUE, "ssh-rsa", "pem", "AES-128-CBC" },
  { "rsa3072-pkcs8", "rsa", "3072", "PKCS8", NULL, FALSE, "ssh-rsa", "pkcs8", "none" },
  { "rsa3072-pkcs8-enc", "rsa", "3072", "PKCS8", NULL, TRUE, "ssh-rsa", "pkcs8",
    "pkcs8-encrypted" },

  { "rsa1024", "rsa", "1024", NULL, NULL, FALSE, "ssh-rsa", "openssh", "none" },
  { "rsa1024-enc", "rsa", "1024", NULL, NULL, TRUE, "ssh-rsa", "openssh", "aes256-ctr" },
  { "rsa1024-pem", "rsa", "1024", "PEM", NULL, FALSE, "ssh-rsa", "pem", "none" },
  { "rsa1024-pem-enc", "rsa", "1024", "PEM", NULL, TRUE, "ssh-rsa", "pem", "AES-128-CBC" },
  { "rsa1024-pkcs8", "rsa", "1024", "PKCS8", NULL, FALSE, "ssh-rsa", "pkcs8", "none" },
  { "rsa1024-pkcs8-enc", "rsa", "1024", "PKCS8", NULL, TRUE, "ssh-rsa", "pkcs8",
    "pkcs8-encrypted" },

  /* Every other cipher libssh 0.10 decrypts OpenSSH keys with. */
  { "ed25519-aes128-ctr", "ed25519", NULL, NULL, "aes128-ctr", TRUE, "ssh-ed25519", "openssh",
    "aes128-ctr" },
  { "ed25519-aes192-ctr", "ed25519", NULL, NULL, "aes192-ctr", TRUE, "ssh-ed25519", "openssh",
    "aes192-ctr" },
  { "ed25519-aes128-cbc", "ed25519", NULL, NULL, "aes128-cbc", TRUE, "ssh-ed25519", "openssh",
    "aes128-cbc" },
  { "ed25519-aes192-cbc", "ed25519", NULL, NULL, "aes192-cbc", TRUE, "ssh-ed25519", "openssh",
    "aes192-cbc" },
  { "ed25519-aes256-cbc", "ed25519", NULL, NULL, "aes256-cbc", TRUE, "ssh-ed25519", "openssh",
    "aes256-cbc" },
  { "ed25519-3des-cbc", "ed25519", NULL, NULL, "3des-cbc", TRUE, "ssh-ed25519", "openssh",
    "3des-cbc" },
  { "ecdsa256-aes128-cbc", "ecdsa", "256", NULL, "aes128-cbc", TRUE, "ecdsa-sha2-nistp256",
    "openssh", "aes128-cbc" },
};

static void
assert_one_of (const char *value,
               const char *alternatives)
{
  g_auto(GStrv) options = g_strsplit (alternatives, "|", -1);

  g_assert_nonnull (value);
  if (!g_strv_contains ((const char * const *) options, value))
    g_error ("“%s” is not one of “%s”", value, alternatives);
}

static void
assert_loaded (const GoodKey *t,
               const char    *path,
               const char    *passphrase,
               const char    *fingerprint,
               guint          bits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  g_autoptr(BwKeyInfo) checked = NULL;
  ssh_key key;

  key = bw_key_load (path, passphrase, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_true (ssh_key_is_private (key));
  g_assert_cmpstr (ssh_key_type_to_char (ssh_key_type (key)), ==, t->type);
  ssh_key_free (key);

  g_assert_cmpstr (info->path, ==, path);
  g_assert_cmpstr (info->type, ==, t->type);
  assert_one_of (info->format, t->format);
  assert_one_of (info->cipher, t->cipher);
  g_assert_cmpint (info->encrypted, ==, t->encrypted);
  g_assert_cmpuint (info->bits, ==, bits);
  g_assert_cmpstr (info->fingerprint, ==, fingerprint);

  checked = bw_key_check (path, passphrase, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (checked->fingerprint, ==, fingerprint);
}

static void
test_good_key (gconstpointer data)
{
  const GoodKey *t = data;
  g_autofree char *name = g_strconcat ("good-", t->name, NULL);
  g_autofree char *path = make_key (name, t->type_arg, t->bits_arg, t->format_arg,
                                    t->encrypted ? PASSPHRASE : NULL, t->cipher_arg);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  g_autofree char *fingerprint = NULL;
  guint bits = 0;

  fingerprint = keygen_fingerprint (path, &bits);
  g_assert_cmpuint (bits, >, 0);

  /* Without libssh. OpenSSH files carry their public key in clear; PEM and PKCS#8 files tell
   * their type and size only when not encrypted, and never their fingerprint. */
  info = bw_key_inspect (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->path, ==, path);
  assert_one_of (info->format, t->format);
  assert_one_of (info->cipher, t->cipher);
  g_assert_cmpint (info->encrypted, ==, t->encrypted);
  if (g_str_equal (info->format, "openssh"))
    {
      g_assert_cmpstr (info->type, ==, t->type);
      g_assert_cmpuint (info->bits, ==, bits);
      g_assert_cmpstr (info->fingerprint, ==, fingerprint);
    }
  else
    {
      g_assert_null (info->fingerprint);
      if (!t->encrypted)
        {
          g_assert_cmpstr (info->type, ==, t->type);
          g_assert_cmpuint (info->bits, ==, bits);
        }
      else
        {
          g_assert_cmpuint (info->bits, ==, 0);
          g_assert_true (info->type == NULL || g_str_equal (info->type, t->type));
        }
    }

  if (t->encrypted)
    {
      assert_loaded (t, path, PASSPHRASE, fingerprint, bits);
    }
  else
    {
      /* An unencrypted key loads whatever passphrase is stored with it. */
      assert_loaded (t, path, NULL, fingerprint, bits);
      assert_loaded (t, path, "", fingerprint, bits);
      assert_loaded (t, path, "stale passphrase", fingerprint, bits);
    }
}

/* Loads @text, a rewritten copy of the key at @src_path, and compares it with ssh-keygen's
 * view of the original. */
static void
assert_rewritten_key_loads (const char    *src_path,
                            const char    *name,
                            const char    *text,
                            const GoodKey *t,
                            const char    *passphrase)
{
  g_autofree char *path = write_tmp (name, text);
  g_autofree char *fingerprint = NULL;
  guint bits = 0;

  fingerprint = keygen_fingerprint (src_path, &bits);
  assert_loaded (t, path, passphrase, fingerprint, bits);
}

static char *
to_crlf (const char *path)
{
  g_autofree char *text = read_text (path);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  return g_strjoinv ("\r\n", lines);
}

/* Windows line ends and a byte order mark, as copy-paste and Windows editors leave them. */
static void
test_good_key_crlf (void)
{
  g_autofree char *pem = make_key ("crlf-pem-src", "ecdsa", "256", "PEM", PASSPHRASE, NULL);
  g_autofree char *openssh = make_key ("crlf-openssh-src", "ed25519", NULL, NULL, PASSPHRASE,
                                       NULL);
  g_autofree char *pem_text = to_crlf (pem);
  g_autofree char *openssh_text = to_crlf (openssh);
  g_autofree char *bom_text = NULL;
  const GoodKey pem_key = { "crlf-pem", NULL, NULL, NULL, NULL, TRUE, "ecdsa-sha2-nistp256",
                            "pem", "AES-128-CBC" };
  const GoodKey openssh_key = { "crlf-openssh", NULL, NULL, NULL, NULL, TRUE, "ssh-ed25519",
                                "openssh", "aes256-ctr" };

  g_assert_nonnull (strstr (pem_text, "\r\n"));
  assert_rewritten_key_loads (pem, "crlf-pem", pem_text, &pem_key, PASSPHRASE);
  assert_rewritten_key_loads (openssh, "crlf-openssh", openssh_text, &openssh_key, PASSPHRASE);
  bom_text = g_strconcat ("\xef\xbb\xbf", openssh_text, NULL);
  assert_rewritten_key_loads (openssh, "bom-openssh", bom_text, &openssh_key, PASSPHRASE);
}

/* Text before the key and an EC PARAMETERS block, as `openssl ecparam -genkey` and PKCS#12
 * exports leave them. */
static void
test_good_key_with_ec_parameters (void)
{
  g_autofree char *path = make_key ("ecparam-src", "ecdsa", "256", "PEM", NULL, NULL);
  g_autofree char *text = read_text (path);
  g_autofree char *with_params = g_strconcat ("Bag Attributes\n    friendlyName: test\n"
                                              "-----BEGIN EC PARAMETERS-----\n"
                                              "BggqhkjOPQMBBw==\n"
                                              "-----END EC PARAMETERS-----\n",
                                              text, NULL);
  const GoodKey t = { "ecparam", NULL, NULL, NULL, NULL, FALSE, "ecdsa-sha2-nistp256", "pem",
                      "none" };

  assert_rewritten_key_loads (path, "ecparam", with_params, &t, NULL);
}

/* ---- files that must fail ---------------------------------------------------------------- */

typedef struct {
  const char *name;
  char       *(*setup) (void);  /* returns the path to check */
  gboolean    inspect_passes;   /* the problem shows only when loading */
  const char *passphrase;       /* for bw_key_load() */
  BwKeyError  code;
  const char *message;          /* a substring of the message */
} BadKey;

static char *
setup_missing (void)
{
  return tmp_path ("does-not-exist");
}

static char *
setup_empty_path (void)
{
  return g_strdup ("");
}

static char *
setup_tilde (void)
{
  return g_strdup ("~/.ssh/banwatch-no-such-key");
}

static char *
setup_directory (void)
{
  char *path = tmp_path ("a-directory");

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  return path;
}

static char *
setup_dev_zero (void)
{
  return g_strdup ("/dev/zero");
}

static char *
setup_fifo (void)
{
  char *path = tmp_path ("a-fifo");

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  return path;
}

static char *
write_random (const char *name,
              gsize       len)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (20240607);
  g_autofree guint32 *data = g_new (guint32, len / 4 + 1);
  char *path = tmp_path (name);

  for (gsize i = 0; i < len / 4 + 1; i++)
    data[i] = g_rand_int (rng);
  write_file (path, data, len, 0600);
  return path;
}

static char *
setup_huge_random (void)
{
  return write_random ("huge-random", 10 * 1024 * 1024);
}

static char *
setup_just_too_large (void)
{
  g_autofree char *text = g_strnfill (BW_KEY_MAX_FILE_SIZE + 1, 'A');

  return write_tmp ("just-too-large", text);
}

static char *
setup_garbage (void)
{
  return write_random ("garbage", 300);
}

static char *
setup_text_garbage (void)
{
  g_autofree char *text = g_strnfill (300, 'x');

  return write_tmp ("text-garbage", text);
}

static char *
setup_empty_file (void)
{
  return write_tmp ("empty", "");
}

static char *
make_pub (const char *name)
{
  g_autofree char *path = make_key (name, "ed25519", NULL, NULL, NULL, NULL);

  return g_strconcat (path, ".pub", NULL);
}

static char *
setup_pub (void)
{
  return make_pub ("pub");
}

static char *
setup_pub_renamed (void)
{
  g_autofree char *pub = make_pub ("pub-renamed-src");
  g_autofree char *text = read_text (pub);

  return write_tmp ("public-without-suffix", text);
}

static char *
setup_pkcs8_public (void)
{
  g_autofree char *path = make_key ("pkcs8-public-src", "ecdsa", NULL, NULL, NULL, NULL);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  const char *args[] = { "-e", "-m", "PKCS8", "-f", pub, NULL };
  g_autofree char *text = run_ssh_keygen (args);

  g_assert_true (g_str_has_prefix (text, "-----BEGIN PUBLIC KEY-----"));
  return write_tmp ("pkcs8-public", text);
}

static char *
setup_ssh2_public (void)
{
  g_autofree char *path = make_key ("ssh2-public-src", "ed25519", NULL, NULL, NULL, NULL);
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  const char *args[] = { "-e", "-f", pub, NULL };
  g_autofree char *text = run_ssh_keygen (args);

  g_assert_true (g_str_has_prefix (text, "---- BEGIN SSH2 PUBLIC KEY ----"));
  return write_tmp ("ssh2-public", text);
}

static char *
setup_putty (void)
{
  return write_tmp ("putty.ppk",
                    "PuTTY-User-Key-File-3: ssh-ed25519\n"
                    "Encryption: none\n"
                    "Comment: eddsa-key-20240101\n"
                    "Public-Lines: 2\n"
                    "AAAAC3NzaC1lZDI1NTE5AAAAIBOUbbGG2Ad0lp3AHKpbC1O3zcwpRcO3zM3ZPeKsVnyY\n"
                    "\n"
                    "Private-Lines: 1\n"
                    "AAAAIH7e8FFZfbQHWGmPXtvsf0ffSRzCRE/QDvbcVQ9OIUO+\n"
                    "Private-MAC: 2d4a1fb82e5a0c43fd2ba3ab9bf6d4b6db1dcbd29c4be6b4bb0bf2b5\n");
}

static char *
setup_ssh_com (void)
{
  return write_tmp ("ssh-com",
                    "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n"
                    "Comment: \"1024-bit dsa\"\n"
                    "P2/56wAAAgIAAAAmZGwtbW9kcHtzaWdue2RzYS1uaXN0LXNoYTF9LGRoe3BsYWlufX0AAA\n"
                    "---- END SSH2 ENCRYPTED PRIVATE KEY ----\n");
}

static char *
setup_certificate (void)
{
  return write_tmp ("certificate.pem",
                    "-----BEGIN CERTIFICATE-----\n"
                    "MIIBszCCAVmgAwIBAgIUQ4N1\n"
                    "-----END CERTIFICATE-----\n");
}

static char *
setup_unknown_block (void)
{
  return write_tmp ("pgp",
                    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"
                    "\n"
                    "lQOYBGA=\n"
                    "-----END PGP PRIVATE KEY BLOCK-----\n");
}

static char *
chmod_key (const char *name,
           int         mode)
{
  char *path = make_key (name, "ed25519", NULL, NULL, NULL, NULL);

  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static char *
setup_world_readable (void)
{
  return chmod_key ("world-readable", 0644);
}

static char *
setup_group_readable (void)
{
  return chmod_key ("group-readable", 0640);
}

static char *
setup_unreadable (void)
{
  return chmod_key ("unreadable", 0000);
}

static char *
setup_world_readable_pub (void)
{
  g_autofree char *pub = make_pub ("world-readable-src");
  g_autofree char *text = read_text (pub);
  char *path = tmp_path ("world-readable.pub");

  write_file (path, text, strlen (text), 0644);
  return path;
}

static char *
setup_no_end_line (void)
{
  g_autofree char *path = make_key ("no-end-src", "ed25519", NULL, NULL, NULL, NULL);
  g_autofree char *text = read_text (path);

  text[strlen (text) / 2] = '\0';
  return write_tmp ("no-end", text);
}

static char *
setup_truncated_body (void)
{
  g_autofree char *path = make_key ("truncated-src", "ed25519", NULL, NULL, NULL, NULL);
  g_auto(OpensshFile) file = { 0 };

  openssh_file_load (path, &file);
  file.len = file.private_offset + file.private_len / 2;
  return openssh_file_write (&file, "truncated");
}

static char *
setup_bad_base64 (void)
{
  g_autofree char *path = make_key ("bad-base64-src", "ed25519", NULL, NULL, NULL, NULL);
  g_autofree char *text = read_text (path);
  char *body = strchr (text, '\n') + 1;

  body[10] = '!';
  return write_tmp ("bad-base64", text);
}

static char *
setup_bad_checkint (void)
{
  g_autofree char *path = make_key ("bad-checkint-src", "ed25519", NULL, NULL, NULL, NULL);
  g_auto(OpensshFile) file = { 0 };

  openssh_file_load (path, &file);
  file.binary[file.private_offset + 4] ^= 0xff;
  return openssh_file_write (&file, "bad-checkint");
}

/* Damage that only libssh sees: the padding after the comment. The comment "bw-test" leaves
 * 6 bytes of padding in an ed25519 private section. */
static char *
setup_bad_padding (void)
{
  g_autofree char *path = make_key ("bad-padding-src", "ed25519", NULL, NULL, NULL, NULL);
  g_auto(OpensshFile) file = { 0 };
  guint8 *last;

  openssh_file_load (path, &file);
  last = file.binary + file.private_offset + file.private_len - 1;
  g_assert_cmpuint (*last, ==, 6);
  *last = 0x7f;
  return openssh_file_write (&file, "bad-padding");
}

/* The public key of one ed25519 key with the private part of another. */
static char *
setup_mismatched_halves (void)
{
  g_autofree char *path_a = make_key ("halves-a", "ed25519", NULL, NULL, NULL, NULL);
  g_autofree char *path_b = make_key ("halves-b", "ed25519", NULL, NULL, NULL, NULL);
  g_auto(OpensshFile) a = { 0 };
  g_auto(OpensshFile) b = { 0 };

  openssh_file_load (path_a, &a);
  openssh_file_load (path_b, &b);
  g_assert_cmpuint (a.public_len, ==, b.public_len);
  memcpy (a.binary + a.public_offset, b.binary + b.public_offset, a.public_len);
  return openssh_file_write (&a, "halves");
}

static char *
setup_encrypted (void)
{
  return make_key ("encrypted", "ed25519", NULL, NULL, PASSPHRASE, NULL);
}

static char *
setup_encrypted_pem (void)
{
  return make_key ("encrypted-pem", "rsa", "1024", "PEM", PASSPHRASE, NULL);
}

static char *
setup_encrypted_pkcs8 (void)
{
  return make_key ("encrypted-pkcs8", "ecdsa", "256", "PKCS8", PASSPHRASE, NULL);
}

static char *
setup_gcm (void)
{
  return make_key ("aes256-gcm", "ed25519", NULL, NULL, PASSPHRASE, "aes256-gcm@openssh.com");
}

static char *
setup_gcm128 (void)
{
  return make_key ("aes128-gcm", "ecdsa", "256", NULL, PASSPHRASE, "aes128-gcm@openssh.com");
}

static char *
setup_chacha (void)
{
  return make_key ("chacha", "ed25519", NULL, NULL, PASSPHRASE,
                   "chacha20-poly1305@openssh.com");
}

/* ssh-keygen may drop DSA one day; then a handmade key stands in. */
static char *
make_dsa_key (const char *name,
              const char *format)
{
  g_autofree char *path = tmp_path (name);
  const char *args[] = { "-q", "-t", "dsa", "-N", "", "-f", path, "-m", format, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_autofree char *argv0 = g_strdup (ssh_keygen);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_assert_nonnull (ssh_keygen);
  g_remove (path);
  g_ptr_array_add (argv, argv0);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL
                | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  if (g_spawn_check_wait_status (status, NULL))
    return g_steal_pointer (&path);

  g_test_message ("ssh-keygen cannot make DSA keys; using a handmade one");
  return write_fake_openssh (name, "ssh-dss", "none", "none", 0, 1);
}

static char *
setup_dsa (void)
{
  return make_dsa_key ("dsa", "RFC4716");
}

static char *
setup_dsa_pem (void)
{
  return make_dsa_key ("dsa-pem", "PEM");
}

static char *
setup_dsa_pkcs8 (void)
{
  return make_dsa_key ("dsa-pkcs8", "PKCS8");
}

static char *
setup_dsa_handmade (void)
{
  return write_fake_openssh ("dsa-handmade", "ssh-dss", "none", "none", 0, 1);
}

static char *
setup_sk_ed25519 (void)
{
  return write_fake_openssh ("sk-ed25519", "sk-ssh-ed25519@openssh.com", "none", "none", 0, 1);
}

static char *
setup_sk_ecdsa (void)
{
  return write_fake_openssh ("sk-ecdsa", "sk-ecdsa-sha2-nistp256@openssh.com", "none", "none",
                             0, 1);
}

static char *
setup_small_rsa (void)
{
  return write_fake_openssh ("small-rsa", "ssh-rsa", "none", "none", 0, 1);
}

static char *
setup_unknown_type (void)
{
  return write_fake_openssh ("unknown-type", "ssh-foo@example.com", "none", "none", 0, 1);
}

static char *
setup_unknown_cipher (void)
{
  return write_fake_openssh ("unknown-cipher", "ssh-ed25519", "twofish256-cbc", "bcrypt", 16, 1);
}

static char *
setup_unknown_kdf (void)
{
  return write_fake_openssh ("unknown-kdf", "ssh-ed25519", "aes256-ctr", "scrypt", 16, 1);
}

static char *
setup_too_many_rounds (void)
{
  return write_fake_openssh ("many-rounds", "ssh-ed25519", "aes256-ctr", "bcrypt", 1u << 31, 1);
}

static char *
setup_zero_rounds (void)
{
  return write_fake_openssh ("zero-rounds", "ssh-ed25519", "aes256-ctr", "bcrypt", 0, 1);
}

static char *
setup_two_keys (void)
{
  return write_fake_openssh ("two-keys", "ssh-ed25519", "none", "none", 0, 2);
}

static char *
setup_none_with_kdf (void)
{
  return write_fake_openssh ("none-with-kdf", "ssh-ed25519", "none", "bcrypt", 16, 1);
}

static char *
setup_pem_des (void)
{
  return write_tmp ("pem-des",
                    "-----BEGIN RSA PRIVATE KEY-----\n"
                    "Proc-Type: 4,ENCRYPTED\n"
                    "DEK-Info: DES-CBC,0123456789ABCDEF\n"
                    "\n"
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                    "-----END RSA PRIVATE KEY-----\n");
}

static char *
setup_pem_headers_disagree (void)
{
  return write_tmp ("pem-proc-type",
                    "-----BEGIN EC PRIVATE KEY-----\n"
                    "Proc-Type: 4,ENCRYPTED\n"
                    "\n"
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                    "-----END EC PRIVATE KEY-----\n");
}

static char *
setup_pem_bad_der (void)
{
  return write_tmp ("pem-bad-der",
                    "-----BEGIN PRIVATE KEY-----\n"
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                    "-----END PRIVATE KEY-----\n");
}

/* A truncated unencrypted RSA PEM file: whole lines missing, END line intact. */
static char *
setup_pem_truncated (void)
{
  g_autofree char *path = make_key ("pem-truncated-src", "rsa", "1024", "PEM", NULL, NULL);
  g_autofree char *text = read_text (path);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  g_autoptr(GString) cut = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i < 4 || i >= n - 2)
        g_string_append_printf (cut, "%s\n", lines[i]);
    }
  return write_tmp ("pem-truncated", cut->str);
}

static const BadKey bad_keys[] = {
  { "missing", setup_missing, FALSE, NULL, BW_KEY_ERROR_NOT_FOUND, "does not exist" },
  { "empty-path", setup_empty_path, FALSE, NULL, BW_KEY_ERROR_NOT_FOUND, "No key file is set" },
  { "tilde", setup_tilde, FALSE, NULL, BW_KEY_ERROR_NOT_FOUND, "is not expanded" },
  { "directory", setup_directory, FALSE, NULL, BW_KEY_ERROR_NOT_REGULAR, "is a folder" },
  { "dev-zero", setup_dev_zero, FALSE, NULL, BW_KEY_ERROR_NOT_REGULAR, "not a regular file" },
  { "fifo", setup_fifo, FALSE, NULL, BW_KEY_ERROR_NOT_REGULAR, "not a regular file" },
  { "huge-random", setup_huge_random, FALSE, NULL, BW_KEY_ERROR_TOO_LARGE,
    "(10485760 bytes), far too large for an SSH private key" },
  { "just-too-large", setup_just_too_large, FALSE, NULL, BW_KEY_ERROR_TOO_LARGE,
    "(65537 bytes), far too large" },
  { "garbage", setup_garbage, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
    "not an SSH private key: it holds binary data" },
  { "text-garbage", setup_text_garbage, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
    "not an SSH private key" },
  { "empty-file", setup_empty_file, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
    "the file is empty" },
  { "pub", setup_pub, FALSE, NULL, BW_KEY_ERROR_PUBLIC_KEY,
    "/pub.pub is a public key. Choose the private key instead: the same file without “.pub”, /" },
  { "pub-renamed", setup_pub_renamed, FALSE, NULL, BW_KEY_ERROR_PUBLIC_KEY, "without “.pub”" },
  { "pub-world-readable", setup_world_readable_pub, FALSE, NULL, BW_KEY_ERROR_PUBLIC_KEY,
    "is a public key" },
  { "pkcs8-public", setup_pkcs8_public, FALSE, NULL, BW_KEY_ERROR_PUBLIC_KEY, "is a public key" },
  { "ssh2-public", setup_ssh2_public, FALSE, NULL, BW_KEY_ERROR_PUBLIC_KEY, "is a public key" },
  { "putty", setup_putty, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT, "-O private-openssh-new" },
  { "ssh-com", setup_ssh_com, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT, "ssh-keygen -i -f" },
  { "certificate", setup_certificate, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
    "X.509 certificate" },
  { "pgp", setup_unknown_block, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
    "“PGP PRIVATE KEY BLOCK” block" },
  { "world-readable", setup_world_readable, FALSE, NULL, BW_KEY_ERROR_TOO_OPEN,
    "(permissions 0644); SSH refuses such keys. Make it private: chmod 600 " },
  { "group-readable", setup_group_readable, FALSE, NULL, BW_KEY_ERROR_TOO_OPEN,
    "permissions 0640" },
  { "unreadable", setup_unreadable, FALSE, NULL, BW_KEY_ERROR_NOT_READABLE, "permission denied" },
  { "no-end-line", setup_no_end_line, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "is truncated: its “-----END OPENSSH PRIVATE KEY-----” line is missing" },
  { "truncated-body", setup_truncated_body, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "is damaged: it is truncated" },
  { "bad-base64", setup_bad_base64, FALSE, NULL, BW_KEY_ERROR_CORRUPT, "base64 data is malformed" },
  { "bad-checkint", setup_bad_checkint, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "fails its integrity check" },
  { "bad-padding", setup_bad_padding, TRUE, NULL, BW_KEY_ERROR_CORRUPT, "libssh cannot load it" },
  { "mismatched-halves", setup_mismatched_halves, TRUE, NULL, BW_KEY_ERROR_CORRUPT,
    "does not match its public key" },
  { "pem-truncated", setup_pem_truncated, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "RSA key data is malformed" },
  { "pem-bad-der", setup_pem_bad_der, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "PKCS#8 key data is malformed" },
  { "pem-headers-disagree", setup_pem_headers_disagree, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "do not agree" },
  { "no-passphrase", setup_encrypted, TRUE, NULL, BW_KEY_ERROR_PASSPHRASE_REQUIRED,
    "protected by a passphrase" },
  { "empty-passphrase", setup_encrypted, TRUE, "", BW_KEY_ERROR_PASSPHRASE_REQUIRED,
    "protected by a passphrase" },
  { "pem-no-passphrase", setup_encrypted_pem, TRUE, NULL, BW_KEY_ERROR_PASSPHRASE_REQUIRED,
    "protected by a passphrase" },
  { "pkcs8-no-passphrase", setup_encrypted_pkcs8, TRUE, "", BW_KEY_ERROR_PASSPHRASE_REQUIRED,
    "protected by a passphrase" },
  { "wrong-passphrase", setup_encrypted, TRUE, "wrong passphrase", BW_KEY_ERROR_WRONG_PASSPHRASE,
    "passphrase for the key file" },
  { "pem-wrong-passphrase", setup_encrypted_pem, TRUE, "wrong passphrase",
    BW_KEY_ERROR_WRONG_PASSPHRASE, "passphrase for the key file" },
  { "pkcs8-wrong-passphrase", setup_encrypted_pkcs8, TRUE, "wrong passphrase",
    BW_KEY_ERROR_WRONG_PASSPHRASE, "ssh-keygen -y -f" },
  /* With the right passphrase: these crash libssh 0.10, so it must never see them. */
  { "aes256-gcm", setup_gcm, FALSE, PASSPHRASE, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "aes256-gcm@openssh.com, which libssh cannot decrypt (it would crash). Re-encrypt the key "
    "with a supported cipher, keeping your passphrase: ssh-keygen -p -Z aes256-ctr -f " },
  { "aes128-gcm", setup_gcm128, FALSE, PASSPHRASE, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "aes128-gcm@openssh.com, which libssh cannot decrypt" },
  { "chacha20-poly1305", setup_chacha, FALSE, PASSPHRASE, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "chacha20-poly1305@openssh.com, which libssh cannot decrypt" },
  { "unknown-cipher", setup_unknown_cipher, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "unknown cipher twofish256-cbc" },
  { "unknown-kdf", setup_unknown_kdf, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "derives its encryption key with scrypt" },
  { "too-many-rounds", setup_too_many_rounds, FALSE, PASSPHRASE, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "uses 2147483648 bcrypt rounds" },
  { "zero-rounds", setup_zero_rounds, FALSE, PASSPHRASE, BW_KEY_ERROR_CORRUPT,
    "bcrypt settings are invalid" },
  { "none-with-kdf", setup_none_with_kdf, FALSE, NULL, BW_KEY_ERROR_CORRUPT,
    "names a key derivation function" },
  { "pem-des", setup_pem_des, FALSE, PASSPHRASE, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
    "encrypted with DES-CBC" },
  { "two-keys", setup_two_keys, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_FORMAT, "holds 2 keys" },
  { "dsa", setup_dsa, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE, "is a DSA key" },
  { "dsa-pem", setup_dsa_pem, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE, "is a DSA key" },
  { "dsa-pkcs8", setup_dsa_pkcs8, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE, "is a DSA key" },
  { "dsa-handmade", setup_dsa_handmade, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE,
    "is a DSA key" },
  { "sk-ed25519", setup_sk_ed25519, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE,
    "security-key (FIDO) key of type sk-ssh-ed25519@openssh.com" },
  { "sk-ecdsa", setup_sk_ecdsa, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE,
    "sk-ecdsa-sha2-nistp256@openssh.com" },
  { "small-rsa", setup_small_rsa, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE,
    "RSA key of only 768 bits" },
  { "unknown-type", setup_unknown_type, FALSE, NULL, BW_KEY_ERROR_UNSUPPORTED_TYPE,
    "type ssh-foo@example.com" },
};

static void
assert_key_error (const GError *error,
                  const BadKey *t)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == BW_KEY_ERROR);
  g_test_message ("%s: %s", t->name, error->message);
  g_assert_cmpint (error->code, ==, t->code);
  if (strstr (error->message, t->message) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, t->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_bad_key (gconstpointer data)
{
  const BadKey *t = data;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  BwKeyInfo *load_info = NULL;
  gint64 start;
  ssh_key key;

  /* Root reads any file whatever its mode, so "unreadable" is checked in a child that
   * has become the unprivileged user nobody. */
  if (t->code == BW_KEY_ERROR_NOT_READABLE && geteuid () == 0)
    {
      g_autofree char *dir = NULL;
      int status = 0;
      pid_t pid;

      path = t->setup ();
      dir = g_path_get_dirname (path);
      g_assert_cmpint (chmod (dir, 0711), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          g_autoptr(GError) child_error = NULL;
          g_autoptr(BwKeyInfo) child_info = NULL;

          if (setgid (65534) != 0 || setuid (65534) != 0)
            _exit (2);
          child_info = bw_key_inspect (path, &child_error);
          _exit (child_info == NULL && g_error_matches (child_error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_READABLE) &&
                 strstr (child_error->message, path) != NULL ? 0 : 1);
        }
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      return;
    }

  path = t->setup ();

  start = g_get_monotonic_time ();
  info = bw_key_inspect (path, &error);
  if (t->inspect_passes)
    {
      g_assert_no_error (error);
      g_assert_nonnull (info);
    }
  else
    {
      g_assert_null (info);
      assert_key_error (error, t);
      /* No reading of huge files, no waiting on FIFOs, no libssh. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
    }
  g_clear_error (&error);

  key = bw_key_load (path, t->passphrase, &load_info, &error);
  g_assert_null (key);
  g_assert_null (load_info);
  assert_key_error (error, t);
  g_clear_error (&error);

  g_assert_null (bw_key_check (path, t->passphrase, &error));
  assert_key_error (error, t);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
test_ssh_keygen_present (void)
{
  if (ssh_keygen == NULL)
    {
      remove_tree (tmpdir);
      g_error ("ssh-keygen is not on PATH; install openssh-client to run these tests");
    }
}

static void
test_error_quark (void)
{
  g_assert_cmpstr (g_quark_to_string (BW_KEY_ERROR), ==, "bw-key-error-quark");
}

static void
test_info_free (void)
{
  g_autoptr(BwKeyInfo) empty = g_new0 (BwKeyInfo, 1);

  bw_key_info_free (NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  ssh_keygen = g_find_program_in_path ("ssh-keygen");
  tmpdir = g_dir_make_tmp ("bw-key-check-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/key-check/ssh-keygen", test_ssh_keygen_present);
  g_test_add_func ("/key-check/error-quark", test_error_quark);
  g_test_add_func ("/key-check/info-free", test_info_free);

  for (gsize i = 0; i < G_N_ELEMENTS (good_keys); i++)
    {
      g_autofree char *name = g_strconcat ("/key-check/good/", good_keys[i].name, NULL);

      g_test_add_data_func (name, &good_keys[i], test_good_key);
    }
  g_test_add_func ("/key-check/good/crlf-bom", test_good_key_crlf);
  g_test_add_func ("/key-check/good/ec-parameters", test_good_key_with_ec_parameters);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autofree char *name = g_strconcat ("/key-check/bad/", bad_keys[i].name, NULL);

      g_test_add_data_func (name, &bad_keys[i], test_bad_key);
    }

  ret = g_test_run ();

  remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (ssh_keygen);
  return ret;
}
