// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-key-check"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "bw-key-check-private.h"

G_DEFINE_QUARK (bw-key-error-quark, bw_key_error)

static SecretBytes *
secret_bytes_new (gsize size)
{
  SecretBytes *bytes = g_new0 (SecretBytes, 1);

  bytes->size = size + 1;
  bytes->data = g_malloc0 (bytes->size);
  return bytes;
}

void
bw_secret_bytes_free (SecretBytes *bytes)
{
  if (bytes == NULL)
    return;

  explicit_bzero (bytes->data, bytes->size);
  g_free (bytes->data);
  g_free (bytes);
}

void
bw_key_info_free (BwKeyInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->path);
  g_free (info->type);
  g_free (info->format);
  g_free (info->cipher);
  g_free (info->fingerprint);
  g_free (info);
}

/* The words `banwatch key-check --json` prints for each #BwKeyError. */
static const char * const key_error_words[] = {
  [BW_KEY_ERROR_NOT_FOUND] = "not-found",
  [BW_KEY_ERROR_NOT_READABLE] = "not-readable",
  [BW_KEY_ERROR_NOT_REGULAR] = "not-regular",
  [BW_KEY_ERROR_TOO_LARGE] = "too-large",
  [BW_KEY_ERROR_TOO_OPEN] = "too-open",
  [BW_KEY_ERROR_PUBLIC_KEY] = "public-key",
  [BW_KEY_ERROR_UNSUPPORTED_FORMAT] = "unsupported-format",
  [BW_KEY_ERROR_UNSUPPORTED_TYPE] = "unsupported-type",
  [BW_KEY_ERROR_UNSUPPORTED_CIPHER] = "unsupported-cipher",
  [BW_KEY_ERROR_CORRUPT] = "corrupt",
  [BW_KEY_ERROR_PASSPHRASE_REQUIRED] = "passphrase-required",
  [BW_KEY_ERROR_WRONG_PASSPHRASE] = "wrong-passphrase",
};

/**
 * bw_key_error_to_string:
 *
 * Returns: the word for @code, or %NULL when it is not a #BwKeyError
 */
const char *
bw_key_error_to_string (int code)
{
  if (code < 0 || code >= (int) G_N_ELEMENTS (key_error_words))
    return NULL;
  return key_error_words[code];
}

/**
 * bw_key_error_from_string:
 *
 * Returns: %TRUE and the code in @out_code when @word is one of bw_key_error_to_string()'s
 */
gboolean
bw_key_error_from_string (const char *word,
                          BwKeyError *out_code)
{
  g_return_val_if_fail (word != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (key_error_words); i++)
    if (g_str_equal (word, key_error_words[i]))
      {
        *out_code = i;
        return TRUE;
      }
  return FALSE;
}

/* ---- errors ---------------------------------------------------------------------------- */

/* Hints hold commands to paste into a shell, so the path in them is quoted (q). */

gboolean
bw_key_corrupt_error (GError    **error,
                      const char *display,
                      const char *what)
{
  g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_CORRUPT,
               _("The key file %s is damaged: %s. Restore it from a backup, or make a new key "
                 "with “ssh-keygen -t ed25519”."),
               display, what);
  return FALSE;
}

static gboolean
unsupported_type_error (GError    **error,
                        const char *display,
                        const char *type)
{
  if (g_str_equal (type, "ssh-dss") || g_str_equal (type, "dsa"))
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s is a DSA key. DSA is insecure and current OpenSSH servers refuse it. "
                   "Make a new key with “ssh-keygen -t ed25519” and install its .pub file on "
                   "the server."),
                 display);
  else if (g_str_has_prefix (type, "sk-"))
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s is a security-key (FIDO) key of type %s. Banwatch checks sites "
                   "unattended and libssh cannot use security keys. Make a separate key for "
                   "Banwatch with “ssh-keygen -t ed25519”."),
                 display, type);
  else if (g_str_has_suffix (type, "-cert-v01@openssh.com"))
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s holds an OpenSSH certificate (%s), not a plain private key. Choose the "
                   "private key file the certificate was made for."),
                 display, type);
  else
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s holds a key of type %s, which Banwatch does not support. Use an "
                   "ed25519, ECDSA or RSA key; “ssh-keygen -t ed25519” makes one."),
                 display, type);
  return FALSE;
}

static gboolean
rsa_size_error (GError    **error,
                const char *display,
                guint       bits)
{
  if (bits < BW_KEY_MIN_RSA_BITS)
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s is an RSA key of only %u bits; at least %u bits are needed. Make a new "
                   "key with “ssh-keygen -t ed25519”."),
                 display, bits, BW_KEY_MIN_RSA_BITS);
  else
    g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_TYPE,
                 _("%s is an RSA key of %u bits; SSH supports at most 16384. Make a new key "
                   "with “ssh-keygen -t ed25519”."),
                 display, bits);
  return FALSE;
}

/* ---- binary readers -------------------------------------------------------------------- */

/* A bounded view into a buffer. Every read checks what is left, so damaged input can only
 * make a read fail, never run past the end. */
typedef struct {
  const guint8 *data;
  gsize         left;
} Reader;

static gboolean
reader_take (Reader        *r,
             gsize          n,
             const guint8 **out)
{
  if (n > r->left)
    return FALSE;

  *out = r->data;
  r->data += n;
  r->left -= n;
  return TRUE;
}

static gboolean
reader_u32 (Reader  *r,
            guint32 *out)
{
  const guint8 *p;

  if (!reader_take (r, 4, &p))
    return FALSE;

  *out = (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | (guint32) p[3];
  return TRUE;
}

/* An SSH wire "string": a 32-bit big-endian length, then that many bytes. */
static gboolean
reader_string (Reader *r,
               Reader *out)
{
  guint32 len;
  const guint8 *p;

  if (!reader_u32 (r, &len) || !reader_take (r, len, &p))
    return FALSE;

  out->data = p;
  out->left = len;
  return TRUE;
}

/* Cipher, KDF, key type and curve names are short printable ASCII. Refusing anything else
 * here keeps raw bytes of a damaged file out of the (UTF-8) error messages. */
static gboolean
reader_name (Reader  *r,
             char   **out)
{
  Reader s;

  if (!reader_string (r, &s) || s.left == 0 || s.left > 64)
    return FALSE;

  for (gsize i = 0; i < s.left; i++)
    {
      if (s.data[i] < 0x21 || s.data[i] > 0x7e)
        return FALSE;
    }

  *out = g_strndup ((const char *) s.data, s.left);
  return TRUE;
}

/* One DER element with the expected tag. Key files only need single-byte tags and definite
 * lengths of up to four bytes; anything else is treated as damage. */
static gboolean
der_next (Reader *r,
          guint8  tag,
          Reader *out)
{
  const guint8 *p;
  gsize len;

  if (!reader_take (r, 2, &p) || p[0] != tag)
    return FALSE;

  len = p[1];
  if (len & 0x80)
    {
      gsize n_octets = len & 0x7f;

      if (n_octets == 0 || n_octets > 4 || !reader_take (r, n_octets, &p))
        return FALSE;

      len = 0;
      for (gsize i = 0; i < n_octets; i++)
        len = len << 8 | p[i];
    }

  if (!reader_take (r, len, &p))
    return FALSE;

  out->data = p;
  out->left = len;
  return TRUE;
}

static gboolean
der_peek_tag (const Reader *r,
              guint8        tag)
{
  return r->left > 0 && r->data[0] == tag;
}

enum {
  DER_INTEGER = 0x02,
  DER_OCTET_STRING = 0x04,
  DER_OID = 0x06,
  DER_SEQUENCE = 0x30,
  DER_CONTEXT_0 = 0xa0,
};

/* Bit length of a positive big-endian integer (SSH mpint or DER INTEGER); 0 when the value is
 * zero, negative or empty, which no valid key has. */
static guint
positive_integer_bits (const guint8 *p,
                       gsize         len)
{
  guint bits;

  if (len == 0 || (p[0] & 0x80) != 0)
    return 0;

  while (len > 0 && p[0] == 0)
    {
      p++;
      len--;
    }
  if (len == 0)
    return 0;

  bits = (guint) len * 8;
  for (guint8 top = p[0]; (top & 0x80) == 0; top = (guint8) (top << 1))
    bits--;
  return bits;
}

/* ---- key types ------------------------------------------------------------------------- */

typedef struct {
  const char *type;
  const char *curve;        /* the name inside an ecdsa public key blob */
  const char *oid;          /* DER contents of the named-curve OID */
  gsize       oid_len;
  guint       bits;
} Curve;

#define OID(s) s, sizeof (s) - 1

static const Curve curves[] = {
  { "ecdsa-sha2-nistp256", "nistp256", OID ("\x2a\x86\x48\xce\x3d\x03\x01\x07"), 256 },
  { "ecdsa-sha2-nistp384", "nistp384", OID ("\x2b\x81\x04\x00\x22"), 384 },
  { "ecdsa-sha2-nistp521", "nistp521", OID ("\x2b\x81\x04\x00\x23"), 521 },
};

static const char oid_rsa[] = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01";
static const char oid_ec_public_key[] = "\x2a\x86\x48\xce\x3d\x02\x01";
static const char oid_ed25519[] = "\x2b\x65\x70";
static const char oid_dsa[] = "\x2a\x86\x48\xce\x38\x04\x01";

static gboolean
oid_equal (const Reader *oid,
           const char   *expected,
           gsize         expected_len)
{
  return oid->left == expected_len && memcmp (oid->data, expected, expected_len) == 0;
}

#define OID_EQUAL(reader, array) oid_equal ((reader), (array), sizeof (array) - 1)

static const Curve *
curve_for_type (const char *type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (curves); i++)
    {
      if (g_str_equal (type, curves[i].type))
        return &curves[i];
    }
  return NULL;
}

static const Curve *
curve_for_oid (const Reader *oid)
{
  for (gsize i = 0; i < G_N_ELEMENTS (curves); i++)
    {
      if (oid_equal (oid, curves[i].oid, curves[i].oid_len))
        return &curves[i];
    }
  return NULL;
}

static char *
fingerprint_of_blob (const guint8 *blob,
                     gsize         len)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *b64 = NULL;
  gsize b64_len;

  g_checksum_update (checksum, blob, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  b64 = g_base64_encode (digest, digest_len);

  /* ssh-keygen prints the base64 without its padding. */
  b64_len = strlen (b64);
  while (b64_len > 0 && b64[b64_len - 1] == '=')
    b64[--b64_len] = '\0';

  return g_strconcat ("SHA256:", b64, NULL);
}

/* Parses an SSH public key blob (RFC 4253 §6.6 and the ed25519/ecdsa equivalents): its type,
 * size and fingerprint. Refuses types Banwatch cannot use. */
gboolean
bw_key_parse_public_blob (const char    *display,
                          const guint8  *blob,
                          gsize          blob_len,
                          char         **out_type,
                          guint         *out_bits,
                          char         **out_fingerprint,
                          GError       **error)
{
  Reader r = { blob, blob_len };
  g_autofree char *type = NULL;
  const Curve *curve;
  guint bits = 0;

  if (!reader_name (&r, &type))
    return bw_key_corrupt_error (error, display, _("the public key has no valid type"));

  if (g_str_equal (type, "ssh-ed25519"))
    {
      Reader point;

      if (!reader_string (&r, &point) || point.left != 32)
        return bw_key_corrupt_error (error, display, _("the ed25519 public key is malformed"));
      bits = 256;
    }
  else if ((curve = curve_for_type (type)) != NULL)
    {
      g_autofree char *curve_name = NULL;
      Reader point;
      gsize coordinate = (curve->bits + 7) / 8;

      /* An uncompressed point: 0x04, then X and Y. */
      if (!reader_name (&r, &curve_name) || !g_str_equal (curve_name, curve->curve)
          || !reader_string (&r, &point) || point.left != 1 + 2 * coordinate
          || point.data[0] != 0x04)
        return bw_key_corrupt_error (error, display, _("the ECDSA public key is malformed"));
      bits = curve->bits;
    }
  else if (g_str_equal (type, "ssh-rsa"))
    {
      Reader exponent;
      Reader modulus;

      if (!reader_string (&r, &exponent) || !reader_string (&r, &modulus)
          || positive_integer_bits (exponent.data, exponent.left) == 0
          || (bits = positive_integer_bits (modulus.data, modulus.left)) == 0)
        return bw_key_corrupt_error (error, display, _("the RSA public key is malformed"));
      if (bits < BW_KEY_MIN_RSA_BITS || bits > 16384)
        return rsa_size_error (error, display, bits);
    }
  else
    {
      return unsupported_type_error (error, display, type);
    }

  if (r.left != 0)
    return bw_key_corrupt_error (error, display, _("unexpected data follows the public key"));

  *out_type = g_steal_pointer (&type);
  *out_bits = bits;
  *out_fingerprint = fingerprint_of_blob (blob, blob_len);
  return TRUE;
}

/* ---- text -------------------------------------------------------------------------------- */

/* Decodes base64 between @start and @end, skipping line breaks and blanks. Unlike
 * g_base64_decode() it refuses stray characters, so damage is reported instead of
 * silently decoded into different bytes. */
static SecretBytes *
decode_base64_strict (const char *start,
                      const char *end)
{
  g_autoptr(SecretBytes) bytes = secret_bytes_new ((gsize) (end - start));
  gsize n = 0;
  gsize padding = 0;

  for (const char *p = start; p < end; p++)
    {
      char c = *p;

      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        continue;
      if (c == '=')
        padding++;
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return NULL;
      bytes->data[n++] = (guint8) c;
    }

  if (n == 0 || n % 4 != 0 || padding > 2)
    return NULL;

  bytes->data[n] = '\0';
  g_base64_decode_inplace ((char *) bytes->data, &bytes->len);
  bytes->data[bytes->len] = '\0';
  return g_steal_pointer (&bytes);
}

/* "-----BEGIN <label>-----" blocks. The label decides the format, as in PEM readers. */
typedef struct {
  char       *label;
  const char *begin;     /* the "-----BEGIN" line */
  const char *body;      /* the line after it */
  const char *body_end;  /* the "-----END" line */
  const char *end;       /* just past the END line */
} PemBlock;

static void
pem_block_clear (PemBlock *block)
{
  g_clear_pointer (&block->label, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PemBlock, pem_block_clear)

static const char *
line_end (const char *p)
{
  const char *nl = strchr (p, '\n');

  return nl != NULL ? nl : p + strlen (p);
}

static const char *
next_line (const char *p)
{
  const char *end = line_end (p);

  return *end == '\n' ? end + 1 : end;
}

/* Finds the next BEGIN line at or after @from and returns its label, or %NULL. */
static char *
next_begin_label (const char  *text,
                  const char **from)
{
  static const char begin[] = "-----BEGIN ";
  const char *p = *from;

  while ((p = strstr (p, begin)) != NULL)
    {
      const char *label = p + strlen (begin);
      /* Labels are short: looking no further than this keeps a damaged file to one pass. */
      gsize window = strnlen (label, 72);
      const char *newline = memchr (label, '\n', window);
      gsize span = newline != NULL ? (gsize) (newline - label) : window;
      const char *label_end = g_strstr_len (label, (gssize) span, "-----");
      gboolean valid = TRUE;

      if ((p == text || p[-1] == '\n') && label_end != NULL && label_end > label)
        {
          for (const char *c = label; c < label_end && valid; c++)
            valid = g_ascii_isupper (*c) || g_ascii_isdigit (*c) || *c == ' ';
          if (valid)
            {
              *from = p;
              return g_strndup (label, (gsize) (label_end - label));
            }
        }
      p = label;
    }

  return NULL;
}

/* Also "PGP PRIVATE KEY BLOCK" and the like: they get a message naming them. */
static gboolean
is_private_label (const char *label)
{
  return strstr (label, "PRIVATE KEY") != NULL;
}

/* Locates the first private key block, and its END line. Returns FALSE when there is no
 * private key block; sets @error only when the block is there but broken. */
static gboolean
find_private_block (const char  *text,
                    const char  *display,
                    PemBlock    *block,
                    gboolean    *out_has_public,
                    gboolean    *out_has_certificate,
                    GError     **error)
{
  const char *p = text;
  g_autofree char *end_marker = NULL;
  char *label;

  *out_has_public = FALSE;
  *out_has_certificate = FALSE;

  for (; (label = next_begin_label (text, &p)) != NULL; p = next_line (p))
    {
      if (is_private_label (label))
        break;
      if (g_str_has_suffix (label, "PUBLIC KEY"))
        *out_has_public = TRUE;
      else if (g_str_equal (label, "CERTIFICATE"))
        *out_has_certificate = TRUE;
      g_free (label);
    }
  if (label == NULL)
    return FALSE;

  block->label = label;
  block->begin = p;
  block->body = next_line (p);

  end_marker = g_strconcat ("-----END ", label, "-----", NULL);
  for (p = block->body; (p = strstr (p, end_marker)) != NULL; p++)
    {
      if (p[-1] == '\n')
        break;
    }
  if (p == NULL)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_CORRUPT,
                   _("The key file %s is truncated: its “-----END %s-----” line is missing. "
                     "Restore it from a backup, or make a new key with “ssh-keygen -t "
                     "ed25519”."),
                   display, label);
      return FALSE;
    }

  block->body_end = p;
  block->end = p + strlen (end_marker);
  return TRUE;
}

/* The exact text libssh gets: the block Banwatch inspected and nothing else, so libssh cannot
 * pick a different block of the same file (it searches for the OpenSSH header anywhere). */
static SecretBytes *
copy_block (const PemBlock *block)
{
  gsize len = (gsize) (block->end - block->begin);
  SecretBytes *bytes = secret_bytes_new (len + 1);

  memcpy (bytes->data, block->begin, len);
  bytes->data[len] = '\n';
  bytes->len = len + 1;
  return bytes;
}

/* ---- OpenSSH format (PROTOCOL.key) ------------------------------------------------------ */

typedef struct {
  const char *name;
  guint       block_size;
} Cipher;

/* The ciphers libssh 0.10 can decrypt a key with (its cipher table minus the AEAD ones;
 * blowfish-cbc is a build option and ssh-keygen no longer writes it). */
static const Cipher openssh_ciphers[] = {
  { "aes128-ctr", 16 },
  { "aes192-ctr", 16 },
  { "aes256-ctr", 16 },
  { "aes128-cbc", 16 },
  { "aes192-cbc", 16 },
  { "aes256-cbc", 16 },
  { "3des-cbc", 8 },
};

/* libssh 0.10 finds these in its cipher table but drives them like plain block ciphers when
 * decrypting a key, and crashes (SIGSEGV, measured with 0.10.6 for all three). */
static const char * const crashing_ciphers[] = {
  "aes128-gcm@openssh.com",
  "aes256-gcm@openssh.com",
  "chacha20-poly1305@openssh.com",
};

static gboolean
check_openssh_encryption (const char  *display,
                          const char  *cipher,
                          const char  *kdf,
                          Reader      *kdf_options,
                          guint       *out_block_size,
                          GError     **error)
{
  const Cipher *found = NULL;
  Reader salt;
  guint32 rounds;

  if (g_str_equal (cipher, "none"))
    {
      if (!g_str_equal (kdf, "none") || kdf_options->left != 0)
        return bw_key_corrupt_error (error, display,
                              _("it is not encrypted, yet names a key derivation function"));
      *out_block_size = 8;
      return TRUE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (crashing_ciphers); i++)
    {
      if (g_str_equal (cipher, crashing_ciphers[i]))
        {
          g_autofree char *q = g_shell_quote (display);

          g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
                       _("%s is encrypted with %s, which libssh cannot decrypt (it would "
                         "crash). Re-encrypt the key with a supported cipher, keeping your "
                         "passphrase: ssh-keygen -p -Z aes256-ctr -f %s"),
                       display, cipher, q);
          return FALSE;
        }
    }

  for (gsize i = 0; i < G_N_ELEMENTS (openssh_ciphers) && found == NULL; i++)
    {
      if (g_str_equal (cipher, openssh_ciphers[i].name))
        found = &openssh_ciphers[i];
    }
  if (found == NULL)
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
                   _("%s is encrypted with the unknown cipher %s. Re-encrypt the key with a "
                     "supported cipher: ssh-keygen -p -Z aes256-ctr -f %s"),
                   display, cipher, q);
      return FALSE;
    }

  if (g_str_equal (kdf, "none"))
    return bw_key_corrupt_error (error, display,
                          _("it is encrypted, yet names no key derivation function"));
  if (!g_str_equal (kdf, "bcrypt"))
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
                   _("%s derives its encryption key with %s, which libssh does not support "
                     "(only bcrypt). Re-encrypt the key: ssh-keygen -p -Z aes256-ctr -f %s"),
                   display, kdf, q);
      return FALSE;
    }

  if (!reader_string (kdf_options, &salt) || !reader_u32 (kdf_options, &rounds)
      || kdf_options->left != 0 || salt.left == 0 || rounds == 0)
    return bw_key_corrupt_error (error, display, _("its bcrypt settings are invalid"));

  if (rounds > BW_KEY_MAX_KDF_ROUNDS)
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
                   _("%s uses %u bcrypt rounds; decrypting it before every check would take "
                     "too long (Banwatch accepts at most %u). Re-encrypt it with fewer rounds: "
                     "ssh-keygen -p -a 64 -f %s"),
                   display, rounds, BW_KEY_MAX_KDF_ROUNDS, q);
      return FALSE;
    }

  *out_block_size = found->block_size;
  return TRUE;
}

static gboolean
parse_openssh (const char    *display,
               const guint8  *data,
               gsize          len,
               BwKeyInfo     *info,
               GError       **error)
{
  /* "openssh-key-v1" and its terminating NUL. */
  static const char magic[] = "openssh-key-v1";
  Reader r = { data, len };
  const guint8 *p;
  g_autofree char *cipher = NULL;
  g_autofree char *kdf = NULL;
  Reader kdf_options;
  Reader public_blob;
  Reader private_blob;
  guint32 n_keys;
  guint block_size = 0;

  if (!reader_take (&r, sizeof magic, &p) || memcmp (p, magic, sizeof magic) != 0)
    return bw_key_corrupt_error (error, display, _("it lacks the openssh-key-v1 header"));

  if (!reader_name (&r, &cipher) || !reader_name (&r, &kdf)
      || !reader_string (&r, &kdf_options) || !reader_u32 (&r, &n_keys))
    return bw_key_corrupt_error (error, display, _("its header is truncated or malformed"));

  if (n_keys != 1)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s holds %u keys; only files with exactly one key can be used. Save "
                     "the key you need to a file of its own."),
                   display, n_keys);
      return FALSE;
    }

  if (!reader_string (&r, &public_blob) || !reader_string (&r, &private_blob))
    return bw_key_corrupt_error (error, display, _("it is truncated"));

  if (!bw_key_parse_public_blob (display, public_blob.data, public_blob.left,
                                 &info->type, &info->bits, &info->fingerprint, error))
    return FALSE;

  if (!check_openssh_encryption (display, cipher, kdf, &kdf_options, &block_size, error))
    return FALSE;

  if (block_size == 0 || private_blob.left == 0 || private_blob.left % block_size != 0)
    return bw_key_corrupt_error (error, display, _("its private part has an impossible length"));

  info->format = g_strdup ("openssh");
  info->encrypted = !g_str_equal (cipher, "none");
  info->cipher = g_steal_pointer (&cipher);

  /* Unencrypted: the private part can be checked now, without libssh. Encrypted keys get the
   * same check from libssh after decryption. */
  if (!info->encrypted)
    {
      guint32 check1;
      guint32 check2;
      g_autofree char *private_type = NULL;

      if (!reader_u32 (&private_blob, &check1) || !reader_u32 (&private_blob, &check2)
          || check1 != check2)
        return bw_key_corrupt_error (error, display, _("its private part fails its integrity check"));
      if (!reader_name (&private_blob, &private_type)
          || !g_str_equal (private_type, info->type))
        return bw_key_corrupt_error (error, display,
                              _("its private part does not match its public key"));
    }

  return TRUE;
}

/* ---- PEM and PKCS#8 --------------------------------------------------------------------- */

typedef struct {
  const char *name;
  guint       block_size;
} PemCipher;

/* What OpenSSL 3 decrypts with its default provider; DES-CBC and friends need the legacy
 * provider and would fail like a wrong passphrase. */
static const PemCipher pem_ciphers[] = {
  { "AES-128-CBC", 16 },
  { "AES-192-CBC", 16 },
  { "AES-256-CBC", 16 },
  { "DES-EDE3-CBC", 8 },
};

/* Reads the RFC 1421 headers of a traditional PEM key ("Proc-Type: 4,ENCRYPTED",
 * "DEK-Info: AES-128-CBC,<iv>") and moves @body past them. */
static gboolean
parse_pem_headers (const char  *display,
                   const char **body,
                   const char  *body_end,
                   char       **out_cipher,
                   GError     **error)
{
  const char *p = *body;
  const char *eol = line_end (p);
  gboolean encrypted = FALSE;
  g_autofree char *cipher = NULL;

  if (eol > body_end || memchr (p, ':', (gsize) (eol - p)) == NULL)
    return TRUE;

  for (; p < body_end; p = next_line (p))
    {
      g_autofree char *line = g_strndup (p, (gsize) (line_end (p) - p));

      g_strstrip (line);
      if (*line == '\0')
        break;
      if (g_str_has_prefix (line, "Proc-Type:"))
        encrypted = strstr (line, "ENCRYPTED") != NULL;
      else if (g_str_has_prefix (line, "DEK-Info:"))
        {
          const char *value = line + strlen ("DEK-Info:");
          gsize n;

          while (*value == ' ' || *value == '\t')
            value++;
          n = strcspn (value, ",");
          if (n == 0 || n > 32 || value[n] != ',')
            return bw_key_corrupt_error (error, display, _("its DEK-Info header is malformed"));
          for (gsize i = 0; i < n; i++)
            {
              if (!g_ascii_isalnum (value[i]) && value[i] != '-')
                return bw_key_corrupt_error (error, display, _("its DEK-Info header is malformed"));
            }
          g_free (cipher);
          cipher = g_strndup (value, n);
        }
    }
  if (p >= body_end)
    return bw_key_corrupt_error (error, display, _("its PEM headers are not followed by key data"));

  if (encrypted != (cipher != NULL))
    return bw_key_corrupt_error (error, display,
                          _("its Proc-Type and DEK-Info headers do not agree"));

  *body = next_line (p);
  *out_cipher = g_steal_pointer (&cipher);
  return TRUE;
}

/* RSAPrivateKey (RFC 8017 A.1.2): version, then the modulus. */
static guint
der_rsa_private_key_bits (Reader der)
{
  Reader seq;
  Reader version;
  Reader modulus;

  if (!der_next (&der, DER_SEQUENCE, &seq) || !der_next (&seq, DER_INTEGER, &version)
      || !der_next (&seq, DER_INTEGER, &modulus))
    return 0;

  return positive_integer_bits (modulus.data, modulus.left);
}

static gboolean
set_type_from_curve_oid (const char   *display,
                         const Reader *oid,
                         BwKeyInfo    *info,
                         GError      **error)
{
  const Curve *curve = curve_for_oid (oid);

  if (curve == NULL)
    return unsupported_type_error (error, display, _("ECDSA on a curve SSH does not use"));

  info->type = g_strdup (curve->type);
  info->bits = curve->bits;
  return TRUE;
}

static gboolean
set_rsa (const char *display,
         guint       bits,
         BwKeyInfo  *info,
         GError    **error)
{
  if (bits == 0)
    return bw_key_corrupt_error (error, display, _("its RSA key data is malformed"));
  if (bits < BW_KEY_MIN_RSA_BITS || bits > 16384)
    return rsa_size_error (error, display, bits);

  info->type = g_strdup ("ssh-rsa");
  info->bits = bits;
  return TRUE;
}

/* ECPrivateKey (RFC 5915): version, private key, [0] curve OID (optional). */
static gboolean
parse_ec_private_key (const char  *display,
                      Reader       der,
                      BwKeyInfo   *info,
                      GError     **error)
{
  Reader seq;
  Reader version;
  Reader private_key;
  Reader parameters;
  Reader oid;

  if (!der_next (&der, DER_SEQUENCE, &seq) || !der_next (&seq, DER_INTEGER, &version)
      || !der_next (&seq, DER_OCTET_STRING, &private_key))
    return bw_key_corrupt_error (error, display, _("its EC key data is malformed"));

  /* Without named parameters the curve is left for libssh to find. */
  if (!der_peek_tag (&seq, DER_CONTEXT_0))
    return TRUE;
  if (!der_next (&seq, DER_CONTEXT_0, &parameters) || !der_next (&parameters, DER_OID, &oid))
    return bw_key_corrupt_error (error, display, _("its EC key data is malformed"));

  return set_type_from_curve_oid (display, &oid, info, error);
}

/* PrivateKeyInfo (RFC 5208 §5): version, algorithm identifier, private key. */
static gboolean
parse_pkcs8 (const char  *display,
             Reader       der,
             BwKeyInfo   *info,
             GError     **error)
{
  Reader seq;
  Reader version;
  Reader algorithm;
  Reader oid;
  Reader private_key;

  if (!der_next (&der, DER_SEQUENCE, &seq) || !der_next (&seq, DER_INTEGER, &version)
      || !der_next (&seq, DER_SEQUENCE, &algorithm) || !der_next (&algorithm, DER_OID, &oid)
      || !der_next (&seq, DER_OCTET_STRING, &private_key))
    return bw_key_corrupt_error (error, display, _("its PKCS#8 key data is malformed"));

  if (OID_EQUAL (&oid, oid_rsa))
    return set_rsa (display, der_rsa_private_key_bits (private_key), info, error);

  if (OID_EQUAL (&oid, oid_ec_public_key))
    {
      Reader curve;

      if (!der_next (&algorithm, DER_OID, &curve))
        return bw_key_corrupt_error (error, display, _("its EC key data is malformed"));
      return set_type_from_curve_oid (display, &curve, info, error);
    }

  if (OID_EQUAL (&oid, oid_ed25519))
    {
      info->type = g_strdup ("ssh-ed25519");
      info->bits = 256;
      return TRUE;
    }

  if (OID_EQUAL (&oid, oid_dsa))
    return unsupported_type_error (error, display, "dsa");

  return unsupported_type_error (error, display, _("an algorithm SSH does not use"));
}

static gboolean
parse_pem (const char      *display,
           const PemBlock  *block,
           BwKeyInfo       *info,
           GError         **error)
{
  gboolean pkcs8 = g_str_equal (block->label, "PRIVATE KEY")
                   || g_str_equal (block->label, "ENCRYPTED PRIVATE KEY");
  const char *body = block->body;
  g_autofree char *cipher = NULL;
  g_autoptr(SecretBytes) der = NULL;
  Reader reader;

  if (!pkcs8 && !parse_pem_headers (display, &body, block->body_end, &cipher, error))
    return FALSE;

  der = decode_base64_strict (body, block->body_end);
  if (der == NULL || der->len == 0)
    return bw_key_corrupt_error (error, display, _("its base64 data is malformed"));
  reader = (Reader) { der->data, der->len };

  info->format = g_strdup (pkcs8 ? "pkcs8" : "pem");

  if (g_str_equal (block->label, "ENCRYPTED PRIVATE KEY"))
    {
      Reader seq;
      Reader algorithm;
      Reader data;

      /* EncryptedPrivateKeyInfo: algorithm identifier, encrypted data. What is inside stays
       * unknown until libssh decrypts it. */
      if (!der_next (&reader, DER_SEQUENCE, &seq) || !der_next (&seq, DER_SEQUENCE, &algorithm)
          || !der_next (&seq, DER_OCTET_STRING, &data) || data.left == 0)
        return bw_key_corrupt_error (error, display, _("its PKCS#8 key data is malformed"));
      info->encrypted = TRUE;
      info->cipher = g_strdup ("pkcs8-encrypted");
      return TRUE;
    }

  if (cipher != NULL)
    {
      const PemCipher *found = NULL;

      for (gsize i = 0; i < G_N_ELEMENTS (pem_ciphers) && found == NULL; i++)
        {
          if (g_ascii_strcasecmp (cipher, pem_ciphers[i].name) == 0)
            found = &pem_ciphers[i];
        }
      if (found == NULL)
        {
          g_autofree char *q = g_shell_quote (display);

          g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_CIPHER,
                       _("%s is encrypted with %s, which Banwatch cannot decrypt (OpenSSL 3 "
                         "dropped most old PEM ciphers). Re-encrypt it; this also converts it "
                         "to OpenSSH format: ssh-keygen -p -f %s"),
                       display, cipher, q);
          return FALSE;
        }
      if (der->len % found->block_size != 0)
        return bw_key_corrupt_error (error, display, _("its encrypted data has an impossible length"));

      info->encrypted = TRUE;
      info->cipher = g_steal_pointer (&cipher);
      /* The label still tells RSA apart; the size and the curve need the passphrase. */
      if (g_str_equal (block->label, "RSA PRIVATE KEY"))
        info->type = g_strdup ("ssh-rsa");
      return TRUE;
    }

  info->cipher = g_strdup ("none");
  if (pkcs8)
    return parse_pkcs8 (display, reader, info, error);
  if (g_str_equal (block->label, "RSA PRIVATE KEY"))
    return set_rsa (display, der_rsa_private_key_bits (reader), info, error);
  return parse_ec_private_key (display, reader, info, error);
}

/* ---- files ------------------------------------------------------------------------------- */

static gboolean
open_error (GError    **error,
            const char *path,
            const char *display,
            int         errsv)
{
  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
      if (g_str_has_prefix (path, "~"))
        g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_FOUND,
                     _("The key file %s does not exist. “~” is not expanded here: give the "
                       "full path, e.g. %s/.ssh/id_ed25519."),
                     display, g_get_home_dir ());
      else
        g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_FOUND,
                     _("The key file %s does not exist. Check the path in the site's "
                       "settings."),
                     display);
      break;

    case EACCES:
    case EPERM:
      {
        g_autofree char *q = g_shell_quote (display);

        g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_READABLE,
                     _("The key file %s cannot be read: permission denied. It should belong "
                       "to you and be readable by you only: chmod 600 %s"),
                     display, q);
      }
      break;

    case ENXIO:
      /* A Unix socket, or a device without a driver behind it. */
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_REGULAR,
                   _("%s is not a regular file. Choose your private key file, e.g. "
                     "~/.ssh/id_ed25519."),
                   display);
      break;

    default:
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_READABLE,
                   _("The key file %s cannot be opened: %s."),
                   display, g_strerror (errsv));
      break;
    }

  return FALSE;
}

static SecretBytes *
read_from_fd (int          fd,
              const char  *display,
              mode_t      *out_mode,
              GError     **error)
{
  struct stat st;
  g_autoptr(SecretBytes) bytes = NULL;

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_READABLE,
                   _("The key file %s cannot be read: %s."), display, g_strerror (errsv));
      return NULL;
    }

  /* Checked on the open descriptor, before any read: a FIFO or device would block or
   * never end. */
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_REGULAR,
                   _("%s is a folder, not a key file. Choose the private key file inside it, "
                     "e.g. id_ed25519."),
                   display);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_REGULAR,
                   _("%s is not a regular file but a device, pipe or socket. Choose your "
                     "private key file, e.g. ~/.ssh/id_ed25519."),
                   display);
      return NULL;
    }
  if (st.st_size > BW_KEY_MAX_FILE_SIZE)
    {
      g_autofree char *size = g_format_size_full ((guint64) st.st_size,
                                                  G_FORMAT_SIZE_IEC_UNITS
                                                  | G_FORMAT_SIZE_LONG_FORMAT);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_TOO_LARGE,
                   _("%s is %s, far too large for an SSH private key (at most 64 KiB). Choose "
                     "your private key file, e.g. ~/.ssh/id_ed25519."),
                   display, size);
      return NULL;
    }

  /* One byte more than allowed, so a file that grew since fstat() is noticed. */
  bytes = secret_bytes_new (BW_KEY_MAX_FILE_SIZE + 1);
  while (bytes->len < BW_KEY_MAX_FILE_SIZE + 1)
    {
      ssize_t n = read (fd, bytes->data + bytes->len, BW_KEY_MAX_FILE_SIZE + 1 - bytes->len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_READABLE,
                       _("The key file %s cannot be read: %s."), display, g_strerror (errsv));
          return NULL;
        }
      if (n == 0)
        break;
      bytes->len += (gsize) n;
    }

  if (bytes->len > BW_KEY_MAX_FILE_SIZE)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_TOO_LARGE,
                   _("%s is larger than 64 KiB, far too large for an SSH private key. Choose "
                     "your private key file, e.g. ~/.ssh/id_ed25519."),
                   display);
      return NULL;
    }

  bytes->data[bytes->len] = '\0';
  *out_mode = st.st_mode;
  return g_steal_pointer (&bytes);
}

static SecretBytes *
read_key_file (const char  *path,
               const char  *display,
               mode_t      *out_mode,
               GError     **error)
{
  SecretBytes *bytes;
  int fd;

  /* O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOCTTY: a terminal device must
   * not become our controlling terminal. */
  do
    fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    {
      open_error (error, path, display, errno);
      return NULL;
    }

  bytes = read_from_fd (fd, display, out_mode, error);
  g_close (fd, NULL);
  return bytes;
}

/* ---- classification ---------------------------------------------------------------------- */

/* "ssh-ed25519 AAAAC3Nz… comment" and friends, as in .pub and authorized_keys files. */
static gboolean
is_public_key_line (const char *line)
{
  static const char * const prefixes[] = { "ssh-", "ecdsa-sha2-", "sk-", "rsa-sha2-" };
  const char *space = line + strcspn (line, " \t\r\n");
  gboolean known = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (prefixes) && !known; i++)
    known = g_str_has_prefix (line, prefixes[i]);

  if (!known || (*space != ' ' && *space != '\t'))
    return FALSE;
  while (*space == ' ' || *space == '\t')
    space++;
  return g_str_has_prefix (space, "AAAA");
}

static gboolean
public_key_error (GError    **error,
                  const char *path,
                  const char *display)
{
  if (g_str_has_suffix (path, ".pub"))
    {
      g_autofree char *private_path = g_strndup (path, strlen (path) - strlen (".pub"));
      g_autofree char *private_display = g_filename_display_name (private_path);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_PUBLIC_KEY,
                   _("%s is a public key. Choose the private key instead: the same file "
                     "without “.pub”, %s."),
                   display, private_display);
    }
  else
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_PUBLIC_KEY,
                   _("%s is a public key. Choose the matching private key instead, usually "
                     "the file of the same name without “.pub”."),
                   display);
    }
  return FALSE;
}

/* Why a file without a private key block is not usable. Always returns FALSE. */
static gboolean
explain_unusable (const char *text,
                  const char *path,
                  const char *display,
                  gboolean    has_public,
                  gboolean    has_certificate,
                  GError    **error)
{
  /* Where these files start; blank lines are skipped. */
  while (g_ascii_isspace (*text))
    text++;

  if (g_str_has_prefix (text, "PuTTY-User-Key-File-"))
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s is a PuTTY key (.ppk). Convert it to OpenSSH format, e.g. "
                     "“puttygen %s -O private-openssh-new -o NEWFILE”, or in PuTTYgen with "
                     "Conversions → Export OpenSSH key (force new file format), then choose "
                     "the new file."),
                   display, q);
      return FALSE;
    }

  if (g_str_has_prefix (text, "---- BEGIN SSH2 PUBLIC KEY ----"))
    return public_key_error (error, path, display);

  if (g_str_has_prefix (text, "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"))
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s is an SSH.COM (SSH2) private key. Convert it to OpenSSH format: "
                     "ssh-keygen -i -f %s > NEWFILE, then choose the new file."),
                   display, q);
      return FALSE;
    }

  if (is_public_key_line (text) || has_public)
    return public_key_error (error, path, display);

  if (has_certificate)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s holds an X.509 certificate, not an SSH private key. Choose your "
                     "private key file, e.g. ~/.ssh/id_ed25519."),
                   display);
      return FALSE;
    }

  g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
               _("%s is not an SSH private key: it has no “-----BEGIN … PRIVATE KEY-----” "
                 "line. Choose your private key file, e.g. ~/.ssh/id_ed25519."),
               display);
  return FALSE;
}

static gboolean
parse_contents (const char   *path,
                const char   *display,
                SecretBytes  *contents,
                BwKeyInfo    *info,
                SecretBytes **out_block,
                GError      **error)
{
  const char *text = (const char *) contents->data;
  g_auto(PemBlock) block = { 0 };
  gboolean has_public;
  gboolean has_certificate;
  GError *local_error = NULL;

  /* A byte order mark, as some Windows editors add; only the key block reaches libssh. */
  if (g_str_has_prefix (text, "\xef\xbb\xbf"))
    text += 3;

  if (contents->len == 0)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s is not an SSH private key: the file is empty."), display);
      return FALSE;
    }

  /* Key files are text; a NUL also means string functions would stop early. */
  if (memchr (contents->data, '\0', contents->len) != NULL)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s is not an SSH private key: it holds binary data, not text. Choose "
                     "your private key file, e.g. ~/.ssh/id_ed25519."),
                   display);
      return FALSE;
    }

  if (!find_private_block (text, display, &block, &has_public, &has_certificate, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      return explain_unusable (text, path, display, has_public, has_certificate, error);
    }

  if (g_str_equal (block.label, "OPENSSH PRIVATE KEY"))
    {
      g_autoptr(SecretBytes) binary = decode_base64_strict (block.body, block.body_end);

      if (binary == NULL)
        return bw_key_corrupt_error (error, display, _("its base64 data is malformed"));
      if (!parse_openssh (display, binary->data, binary->len, info, error))
        return FALSE;
    }
  else if (g_str_equal (block.label, "RSA PRIVATE KEY")
           || g_str_equal (block.label, "EC PRIVATE KEY")
           || g_str_equal (block.label, "PRIVATE KEY")
           || g_str_equal (block.label, "ENCRYPTED PRIVATE KEY"))
    {
      if (!parse_pem (display, &block, info, error))
        return FALSE;
    }
  else if (g_str_equal (block.label, "DSA PRIVATE KEY"))
    {
      return unsupported_type_error (error, display, "dsa");
    }
  else
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_UNSUPPORTED_FORMAT,
                   _("%s holds a “%s” block, which is not an SSH private key format Banwatch "
                     "can read. Use an OpenSSH private key, e.g. made by “ssh-keygen -t "
                     "ed25519”."),
                   display, block.label);
      return FALSE;
    }

  *out_block = copy_block (&block);
  return TRUE;
}

/**
 * bw_key_inspect_block:
 * @out_block: (out) (optional): the key block that was checked
 *
 * bw_key_inspect(); on success also hands back the key block, for bw_key_load() to give
 * libssh exactly the bytes that were checked.
 */
BwKeyInfo *
bw_key_inspect_block (const char   *path,
                      SecretBytes **out_block,
                      GError      **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(SecretBytes) contents = NULL;
  g_autoptr(SecretBytes) block = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  mode_t mode = 0;

  if (*path == '\0')
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_FOUND,
                   _("No key file is set. Choose your private key file, e.g. "
                     "~/.ssh/id_ed25519."));
      return NULL;
    }

  contents = read_key_file (path, display, &mode, error);
  if (contents == NULL)
    return NULL;

  info = g_new0 (BwKeyInfo, 1);
  info->path = g_strdup (path);
  if (!parse_contents (path, display, contents, info, &block, error))
    return NULL;

  /* Checked last: a public key or the wrong kind of file is usually world-readable, and
   * "chmod 600" would be the wrong advice for it. */
  if ((mode & 077) != 0)
    {
      g_autofree char *q = g_shell_quote (display);

      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_TOO_OPEN,
                   _("The private key %s can be read by other users (permissions %04o); SSH "
                     "refuses such keys. Make it private: chmod 600 %s"),
                   display, (guint) (mode & 07777), q);
      return NULL;
    }

  if (out_block != NULL)
    *out_block = g_steal_pointer (&block);
  return g_steal_pointer (&info);
}

/**
 * bw_key_inspect:
 *
 * Checks the private key file at @path without libssh and without a passphrase: that it
 * exists, is a small regular file that only its owner can read, holds one private key of
 * a supported type, format and cipher. Never calls libssh: this file does not link it.
 *
 * Returns: (transfer full): what was learned, or %NULL with @error in %BW_KEY_ERROR set.
 */
BwKeyInfo *
bw_key_inspect (const char  *path,
                GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return bw_key_inspect_block (path, NULL, error);
}
