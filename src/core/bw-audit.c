// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-audit"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "bw-audit.h"
#include "bw-command.h"
#include "bw-ssh-config.h"

/*
 * How OpenSSH 9.2 picks the keys it offers (sshconnect2.c, pubkey_prepare), which the
 * audit reproduces:
 *
 *   1. The key files: every IdentityFile that applies to the host, in order, or, when
 *      none does, the defaults ~/.ssh/id_rsa, id_ecdsa, id_ecdsa_sk, id_ed25519,
 *      id_ed25519_sk, id_xmss, id_dsa. A file that exists neither as FILE nor FILE.pub
 *      costs nothing. A FILE-cert.pub next to it is offered as one more identity.
 *   2. The agent's keys, unless IdentityAgent is "none". An agent key equal to a key
 *      file's moves that file to the front and is offered once. With IdentitiesOnly
 *      yes, the other agent keys are not offered at all.
 *   3. The order: agent keys that match a file, then the other agent keys, then the
 *      remaining files.
 *   4. Keys whose algorithm PubkeyAcceptedAlgorithms does not allow are dropped; by
 *      default in 9.2 that is ssh-dss.
 *
 * Every offered key that the server rejects is one failure for MaxAuthTries (6 by
 * default) and, in fail2ban's ddos and aggressive modes, one toward a ban.
 *
 * The system-wide /etc/ssh/ssh_config is not read; keys from PKCS#11 or FIDO providers
 * that are not in the agent are not seen.
 */

G_DEFINE_QUARK (bw-audit-error-quark, bw_audit_error)
G_DEFINE_QUARK (bw-agent-error-quark, bw_agent_error)

/* The agent protocol (draft-miller-ssh-agent): only the key list is ever requested. */
#define SSH_AGENT_FAILURE              5
#define SSH2_AGENTC_REQUEST_IDENTITIES 11
#define SSH2_AGENT_IDENTITIES_ANSWER   12

#define MAX_AGENT_REPLY          (256 * 1024)   /* OpenSSH's AGENT_MAX_LEN */
#define MAX_AGENT_KEYS           2048
#define DEFAULT_AGENT_TIMEOUT_MS 2000
#define MAX_KEY_FILE_SIZE        (1024 * 1024)
#define MAX_KEY_TYPE_LENGTH      64

/* ---- SSH wire format ---- */

typedef struct {
  const guint8 *p;
  gsize         left;
} Reader;

static gboolean
read_u32 (Reader  *r,
          guint32 *out)
{
  if (r->left < 4)
    return FALSE;
  *out = ((guint32) r->p[0] << 24) | ((guint32) r->p[1] << 16) | ((guint32) r->p[2] << 8) | r->p[3];
  r->p += 4;
  r->left -= 4;
  return TRUE;
}

static gboolean
read_string (Reader        *r,
             const guint8 **out,
             guint32       *out_length)
{
  guint32 length;

  if (!read_u32 (r, &length) || length > r->left)
    return FALSE;
  *out = r->p;
  *out_length = length;
  r->p += length;
  r->left -= length;
  return TRUE;
}

/* The key type a public key blob starts with, if it looks like one. */
static char *
blob_key_type (const guint8 *blob,
               gsize         length)
{
  Reader r = { blob, length };
  const guint8 *type;
  guint32 type_length;

  if (!read_string (&r, &type, &type_length) || type_length == 0 || type_length > MAX_KEY_TYPE_LENGTH)
    return NULL;
  for (guint32 i = 0; i < type_length; i++)
    if (type[i] <= 0x20 || type[i] >= 0x7f)
      return NULL;
  return g_strndup ((const char *) type, type_length);
}

static char *
fingerprint (GBytes *blob)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autofree char *base64 = NULL;
  gsize length;

  g_checksum_update (checksum, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  g_checksum_get_digest (checksum, digest, &digest_length);
  base64 = g_base64_encode (digest, digest_length);

  /* ssh-keygen -l prints the digest without the base64 padding. */
  length = strlen (base64);
  while (length > 0 && base64[length - 1] == '=')
    base64[--length] = '\0';
  return g_strconcat ("SHA256:", base64, NULL);
}

/* ---- The agent ---- */

/**
 * bw_agent_key_free:
 *
 * Frees a key from bw_agent_list_keys().
 */
void
bw_agent_key_free (BwAgentKey *key)
{
  if (key == NULL)
    return;
  g_free (key->type);
  g_clear_pointer (&key->blob, g_bytes_unref);
  g_free (key->comment);
  g_free (key->fingerprint);
  g_free (key);
}

static gboolean
wait_for (int          fd,
          short        events,
          gint64       deadline,
          const char  *path,
          GError     **error)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = events };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      int n;

      if (left <= 0)
        break;
      n = poll (&pfd, 1, (int) MIN (left, G_MAXINT));
      if (n > 0)
        return TRUE;
      if (n < 0 && errno != EINTR)
        {
          int saved = errno;
          g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                       _("Waiting for the agent at %s failed: %s."), path, g_strerror (saved));
          return FALSE;
        }
    }

  g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_TIMEOUT,
               _("The agent at %s did not answer in time; it may be hung or busy asking for "
                 "a confirmation."), path);
  return FALSE;
}

static gboolean
send_all (int           fd,
          const guint8 *data,
          gsize         length,
          gint64        deadline,
          const char   *path,
          GError      **error)
{
  while (length > 0)
    {
      ssize_t sent = send (fd, data, length, MSG_NOSIGNAL);

      if (sent > 0)
        {
          data += sent;
          length -= (gsize) sent;
          continue;
        }
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        {
          if (!wait_for (fd, POLLOUT, deadline, path, error))
            return FALSE;
          continue;
        }
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
                   _("The agent at %s closed the connection: %s."), path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
receive_exact (int         fd,
               guint8     *data,
               gsize       length,
               gint64      deadline,
               const char *path,
               GError    **error)
{
  while (length > 0)
    {
      ssize_t got = recv (fd, data, length, 0);

      if (got > 0)
        {
          data += got;
          length -= (gsize) got;
          continue;
        }
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        {
          if (!wait_for (fd, POLLIN, deadline, path, error))
            return FALSE;
          continue;
        }
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
                   _("The agent at %s closed the connection before answering."), path);
      return FALSE;
    }
  return TRUE;
}

static int
connect_agent (const char  *path,
               gint64       deadline,
               GError     **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  struct stat st;
  int fd;

  if (path == NULL || *path == '\0')
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_NO_SOCKET,
                   _("SSH_AUTH_SOCK is not set, so there is no agent."));
      return -1;
    }

  if (stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_NOT_FOUND,
                     _("The agent socket %s does not exist: no agent is running there (a stale "
                       "SSH_AUTH_SOCK)."), path);
      else
        g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                     _("The agent socket %s cannot be reached: %s."), path, g_strerror (saved));
      return -1;
    }

  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_NOT_SOCKET,
                   _("%s is not a socket, so it cannot be an ssh-agent."), path);
      return -1;
    }

  if (strlen (path) >= sizeof address.sun_path)
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                   _("The agent socket path %s is too long for a Unix socket."), path);
      return -1;
    }
  memcpy (address.sun_path, path, strlen (path) + 1);

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                   _("Cannot create a socket to reach the agent: %s."), g_strerror (saved));
      return -1;
    }

  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      int saved = errno;

      if (saved == EAGAIN || saved == EINPROGRESS)
        {
          /* The listener's backlog is full: wait for it, within the deadline. */
          int so_error = 0;
          socklen_t so_length = sizeof so_error;

          if (wait_for (fd, POLLOUT, deadline, path, error) &&
              getsockopt (fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length) == 0 && so_error == 0)
            return fd;
          if (error != NULL && *error == NULL)
            g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                         _("Cannot connect to the agent at %s: %s."), path, g_strerror (so_error));
        }
      else if (saved == ECONNREFUSED)
        g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                     _("Nobody listens on the agent socket %s: the agent has exited."), path);
      else
        g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_CONNECT,
                     _("Cannot connect to the agent at %s: %s."), path, g_strerror (saved));
      close (fd);
      return -1;
    }

  return fd;
}

static GPtrArray *
parse_identities (const guint8  *body,
                  gsize          length,
                  const char    *path,
                  GError       **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_agent_key_free);
  Reader r = { body, length };
  guint32 count;

  if (length < 1)
    goto bad;
  if (body[0] == SSH_AGENT_FAILURE)
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
                   _("The agent at %s refused to list its keys (it may be locked)."), path);
      return NULL;
    }
  if (body[0] != SSH2_AGENT_IDENTITIES_ANSWER)
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
                   _("The agent at %s answered with message type %u instead of a key list."),
                   path, body[0]);
      return NULL;
    }
  r.p++;
  r.left--;

  if (!read_u32 (&r, &count) || count > MAX_AGENT_KEYS)
    goto bad;

  for (guint32 i = 0; i < count; i++)
    {
      g_autoptr(BwAgentKey) key = g_new0 (BwAgentKey, 1);
      const guint8 *blob, *comment;
      guint32 blob_length, comment_length;

      if (!read_string (&r, &blob, &blob_length) || !read_string (&r, &comment, &comment_length))
        goto bad;

      key->type = blob_key_type (blob, blob_length);
      if (key->type == NULL)
        goto bad;
      key->blob = g_bytes_new (blob, blob_length);
      key->comment = g_utf8_make_valid ((const char *) comment, comment_length);
      key->fingerprint = fingerprint (key->blob);
      g_ptr_array_add (keys, g_steal_pointer (&key));
    }

  return g_steal_pointer (&keys);

bad:
  g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
               _("The agent at %s sent a malformed key list."), path);
  return NULL;
}

/**
 * bw_agent_list_keys:
 * @socket_path: the agent's socket, as in SSH_AUTH_SOCK
 * @timeout_ms: the whole exchange's deadline; 0 for 2 s
 *
 * Asks an ssh-agent for its public keys (SSH2_AGENTC_REQUEST_IDENTITIES), and nothing
 * else: never a signature. Every read is bounded in size and time.
 *
 * Returns: (transfer full) (element-type BwAgentKey) (nullable): the keys, in the agent's
 *   order, or %NULL with @error set (%BW_AGENT_ERROR)
 */
GPtrArray *
bw_agent_list_keys (const char  *socket_path,
                    guint        timeout_ms,
                    GError     **error)
{
  const guint8 request[] = { 0, 0, 0, 1, SSH2_AGENTC_REQUEST_IDENTITIES };
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) (timeout_ms != 0 ? timeout_ms : DEFAULT_AGENT_TIMEOUT_MS) * 1000;
  g_autofree guint8 *body = NULL;
  GPtrArray *keys = NULL;
  guint8 header[4];
  guint32 length;
  int fd;

  fd = connect_agent (socket_path, deadline, error);
  if (fd < 0)
    return NULL;

  if (!send_all (fd, request, sizeof request, deadline, socket_path, error) ||
      !receive_exact (fd, header, sizeof header, deadline, socket_path, error))
    goto out;

  length = ((guint32) header[0] << 24) | ((guint32) header[1] << 16) | ((guint32) header[2] << 8) | header[3];
  if (length == 0 || length > MAX_AGENT_REPLY)
    {
      g_set_error (error, BW_AGENT_ERROR, BW_AGENT_ERROR_PROTOCOL,
                   _("The agent at %s announced an answer of %u bytes, which is not plausible."),
                   socket_path, length);
      goto out;
    }

  body = g_malloc (length);
  if (!receive_exact (fd, body, length, deadline, socket_path, error))
    goto out;

  keys = parse_identities (body, length, socket_path, error);

out:
  close (fd);
  return keys;
}

/* ---- Key files ---- */

static gboolean
read_small_file (const char  *path,
                 char       **out_data,
                 gsize       *out_length)
{
  struct stat st;

  /* Only regular files, and not huge ones: a FIFO or a device named id_rsa must not
   * make the audit hang. */
  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_KEY_FILE_SIZE)
    return FALSE;
  return g_file_get_contents (path, out_data, out_length, NULL);
}

/* "TYPE BASE64 [COMMENT]" from a .pub file. */
static gboolean
parse_public_file (const char  *path,
                   char       **out_type,
                   GBytes     **out_blob)
{
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;

  if (!read_small_file (path, &data, &length) || memchr (data, '\0', length) != NULL)
    return FALSE;

  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree guint8 *blob = NULL;
      g_autofree char *type = NULL;
      gsize blob_length = 0;
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;

      fields = g_strsplit_set (line, " \t", 3);
      if (g_strv_length (fields) < 2)
        return FALSE;
      blob = g_base64_decode (fields[1], &blob_length);
      type = blob_key_type (blob, blob_length);
      if (type == NULL || !g_str_equal (type, fields[0]))
        return FALSE;

      *out_type = g_steal_pointer (&type);
      *out_blob = g_bytes_new (blob, blob_length);
      return TRUE;
    }
  return FALSE;
}

/* The public key in an "openssh-key-v1" private key is stored unencrypted, so it can be
 * read without the passphrase, as ssh itself does when FILE.pub is missing. For PEM keys
 * only the type is known. */
static gboolean
parse_private_file (const char  *path,
                    char       **out_type,
                    GBytes     **out_blob)
{
  static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
  static const char end[] = "-----END OPENSSH PRIVATE KEY-----";
  static const char magic[] = "openssh-key-v1";
  g_autofree char *data = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize length, decoded_length = 0;
  const char *start, *stop;
  Reader r;
  const guint8 *field;
  guint32 field_length, n_keys;

  if (!read_small_file (path, &data, &length) || memchr (data, '\0', length) != NULL)
    return FALSE;

  start = strstr (data, begin);
  if (start == NULL)
    {
      if (strstr (data, "-----BEGIN RSA PRIVATE KEY-----") != NULL)
        *out_type = g_strdup ("ssh-rsa");
      else if (strstr (data, "-----BEGIN DSA PRIVATE KEY-----") != NULL)
        *out_type = g_strdup ("ssh-dss");
      else if (strstr (data, "-----BEGIN EC PRIVATE KEY-----") != NULL)
        *out_type = g_strdup ("ecdsa-sha2");
      else
        return FALSE;
      *out_blob = NULL;
      return TRUE;
    }

  start += strlen (begin);
  stop = strstr (start, end);
  if (stop == NULL)
    return FALSE;

  {
    g_autoptr(GString) base64 = g_string_new (NULL);

    for (const char *p = start; p < stop; p++)
      if (!g_ascii_isspace (*p))
        g_string_append_c (base64, *p);
    decoded = g_base64_decode (base64->str, &decoded_length);
  }

  if (decoded_length < sizeof magic || memcmp (decoded, magic, sizeof magic) != 0)
    return FALSE;

  r.p = decoded + sizeof magic;
  r.left = decoded_length - sizeof magic;
  /* ciphername, kdfname, kdfoptions, number of keys, then the first public key */
  for (guint i = 0; i < 3; i++)
    if (!read_string (&r, &field, &field_length))
      return FALSE;
  if (!read_u32 (&r, &n_keys) || n_keys < 1 || !read_string (&r, &field, &field_length))
    return FALSE;

  *out_type = blob_key_type (field, field_length);
  if (*out_type == NULL)
    return FALSE;
  *out_blob = g_bytes_new (field, field_length);
  return TRUE;
}

/* ---- The model ---- */

typedef struct {
  BwAuditSource  source;
  char          *label;
  char          *type;
  GBytes        *blob;
  gboolean       offered;
  char          *reason;
} Candidate;

static void
candidate_free (Candidate *c)
{
  g_free (c->label);
  g_free (c->type);
  g_clear_pointer (&c->blob, g_bytes_unref);
  g_free (c->reason);
  g_free (c);
}

static Candidate *
file_candidate (const char    *path,
                BwAuditSource  source)
{
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);
  Candidate *c = g_new0 (Candidate, 1);

  c->source = source;
  c->label = g_strdup (path);
  c->offered = TRUE;

  /* ssh reads FILE.pub first, then the public half of FILE itself. */
  if (source == BW_AUDIT_SOURCE_CERTIFICATE)
    parse_public_file (path, &c->type, &c->blob);
  else if (!parse_public_file (pub, &c->type, &c->blob))
    parse_private_file (path, &c->type, &c->blob);

  if (c->type == NULL && access (path, R_OK) != 0)
    {
      c->offered = FALSE;
      c->reason = g_strdup (_("cannot be read, so ssh skips it"));
    }
  return c;
}

static gboolean
is_dsa (const char *type)
{
  return g_strcmp0 (type, "ssh-dss") == 0 || g_strcmp0 (type, "ssh-dss-cert-v01@openssh.com") == 0;
}

static gboolean
path_in (GPtrArray  *paths,
         const char *path)
{
  for (guint i = 0; paths != NULL && i < paths->len; i++)
    if (g_str_equal (g_ptr_array_index (paths, i), path))
      return TRUE;
  return FALSE;
}

/* Orders and filters the candidates as pubkey_prepare() does; see the top of the file. */
static GPtrArray *
model_offers (BwSshConfigHost *host,
              GPtrArray       *agent_keys,
              GPtrArray       *notes)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  g_autoptr(GPtrArray) preferred = g_ptr_array_new ();
  g_autoptr(GPtrArray) agent_only = g_ptr_array_new ();
  g_autoptr(GPtrArray) skipped = g_ptr_array_new ();
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  g_autoptr(GPtrArray) owned_agent = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);

  for (guint i = 0; i < host->tried_identity_files->len; i++)
    {
      const char *path = g_ptr_array_index (host->tried_identity_files, i);
      g_autofree char *pub = g_strconcat (path, ".pub", NULL);
      g_autofree char *cert = g_strconcat (path, "-cert.pub", NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (pub, G_FILE_TEST_EXISTS))
        {
          if (notes != NULL && path_in (host->identity_files, path))
            g_ptr_array_add (notes, g_strdup_printf (_("IdentityFile %s does not exist; ssh skips it."), path));
          continue;
        }

      g_ptr_array_add (files, file_candidate (path, BW_AUDIT_SOURCE_FILE));
      if (g_file_test (cert, G_FILE_TEST_EXISTS))
        g_ptr_array_add (files, file_candidate (cert, BW_AUDIT_SOURCE_CERTIFICATE));
    }

  for (guint i = 0; agent_keys != NULL && i < agent_keys->len; i++)
    {
      BwAgentKey *key = g_ptr_array_index (agent_keys, i);
      Candidate *match = NULL;

      for (guint j = 0; j < files->len && match == NULL; j++)
        {
          Candidate *c = g_ptr_array_index (files, j);

          if (c->blob != NULL && c->source != BW_AUDIT_SOURCE_BOTH && g_bytes_equal (c->blob, key->blob))
            match = c;
        }

      if (match != NULL)
        {
          /* One key, offered once, through the agent. */
          match->source = BW_AUDIT_SOURCE_BOTH;
          g_ptr_array_add (preferred, match);
          continue;
        }

      {
        Candidate *c = g_new0 (Candidate, 1);

        c->source = BW_AUDIT_SOURCE_AGENT;
        c->label = g_strdup (*key->comment != '\0' ? key->comment : key->fingerprint);
        c->type = g_strdup (key->type);
        c->blob = g_bytes_ref (key->blob);
        c->offered = host->identities_only != 1;
        if (!c->offered)
          c->reason = g_strdup (_("IdentitiesOnly yes: an agent key without a matching IdentityFile is not offered"));
        g_ptr_array_add (owned_agent, c);
        g_ptr_array_add (c->offered ? agent_only : skipped, c);
      }
    }

  /* preferred, then the other agent keys, then the remaining files, then what is
   * never offered (for the report). The arrays only borrow until here. */
  for (guint i = 0; i < preferred->len; i++)
    {
      Candidate *c = g_ptr_array_index (preferred, i);
      g_ptr_array_add (result, c);
    }
  for (guint i = 0; i < agent_only->len; i++)
    g_ptr_array_add (result, g_ptr_array_index (agent_only, i));
  for (guint i = 0; i < files->len; i++)
    {
      Candidate *c = g_ptr_array_index (files, i);
      if (c->source != BW_AUDIT_SOURCE_BOTH)
        g_ptr_array_add (result, c);
    }
  for (guint i = 0; i < skipped->len; i++)
    g_ptr_array_add (result, g_ptr_array_index (skipped, i));

  /* Ownership moves to result: empty the owners without freeing. */
  g_ptr_array_set_free_func (files, NULL);
  g_ptr_array_set_free_func (owned_agent, NULL);

  for (guint i = 0; i < result->len; i++)
    {
      Candidate *c = g_ptr_array_index (result, i);

      if (c->offered && is_dsa (c->type))
        {
          c->offered = FALSE;
          c->reason = g_strdup (_("ssh-dss keys are disabled in OpenSSH 9.2 (PubkeyAcceptedAlgorithms)"));
        }
    }

  return result;
}

static guint
count_offered (GPtrArray *candidates)
{
  guint n = 0;

  for (guint i = 0; i < candidates->len; i++)
    if (((Candidate *) g_ptr_array_index (candidates, i))->offered)
      n++;
  return n;
}

/* Offered candidates whose key differs from the first offered one (or is unknown). */
static guint
count_other_keys (GPtrArray *candidates)
{
  Candidate *first = NULL;
  guint n = 0;

  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *c = g_ptr_array_index (candidates, i);

      if (!c->offered)
        continue;
      if (first == NULL)
        first = c;
      else if (c->blob == NULL || first->blob == NULL || !g_bytes_equal (c->blob, first->blob))
        n++;
    }
  return n;
}

/* ---- The audit ---- */

static void
audit_key_free (BwAuditKey *key)
{
  g_free (key->label);
  g_free (key->type);
  g_free (key->fingerprint);
  g_free (key->reason);
  g_free (key);
}

/**
 * bw_audit_report_free:
 *
 * Frees a report of bw_audit_run().
 */
void
bw_audit_report_free (BwAuditReport *report)
{
  if (report == NULL)
    return;
  g_free (report->host);
  g_free (report->hostname);
  g_free (report->user);
  g_free (report->agent_socket);
  g_clear_error (&report->agent_error);
  g_clear_pointer (&report->keys, g_ptr_array_unref);
  g_free (report->fix);
  g_clear_pointer (&report->notes, g_ptr_array_unref);
  g_free (report);
}

/**
 * bw_audit_risk_to_string:
 *
 * Returns: "none", "medium" or "high"
 */
const char *
bw_audit_risk_to_string (BwAuditRisk risk)
{
  switch (risk)
    {
    case BW_AUDIT_RISK_NONE:
      return "none";
    case BW_AUDIT_RISK_MEDIUM:
      return "medium";
    case BW_AUDIT_RISK_HIGH:
      return "high";
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
source_word (BwAuditSource source)
{
  switch (source)
    {
    case BW_AUDIT_SOURCE_AGENT:
      return "agent";
    case BW_AUDIT_SOURCE_FILE:
      return "file";
    case BW_AUDIT_SOURCE_BOTH:
      return "file+agent";
    case BW_AUDIT_SOURCE_CERTIFICATE:
      return "certificate";
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
source_label (BwAuditSource source)
{
  switch (source)
    {
    case BW_AUDIT_SOURCE_AGENT:
      return _("agent");
    case BW_AUDIT_SOURCE_FILE:
      return _("file");
    case BW_AUDIT_SOURCE_BOTH:
      return _("file, also in the agent");
    case BW_AUDIT_SOURCE_CERTIFICATE:
      return _("certificate");
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * bw_audit_params_init_for_site:
 * @params: to fill
 * @site: a stored site
 *
 * Sets the host to audit and the fix's values from @site; the caller still sets
 * @home_dir, @auth_sock and, if it wants, @config_path.
 */
void
bw_audit_params_init_for_site (BwAuditParams *params,
                               BwSite        *site)
{
  g_return_if_fail (params != NULL);
  g_return_if_fail (BW_IS_SITE (site));

  params->host = bw_site_get_host (site);
  params->site_host = bw_site_get_host (site);
  params->site_port = bw_site_get_port (site);
  params->site_user = bw_site_get_user (site);
  params->key_path = bw_site_get_key_path (site);
}

static BwSshConfig *
load_config (const BwAuditParams       *params,
             const BwSshConfigContext  *ctx,
             const char                *path,
             char                     **out_text,
             GError                   **error)
{
  g_autoptr(GError) local_error = NULL;
  BwSshConfig *config;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      *out_text = g_strdup ("");
      return bw_ssh_config_load_data ("", 0, path, ctx, error);
    }

  config = bw_ssh_config_load_file (path, ctx, &local_error);
  if (config == NULL)
    {
      g_set_error (error, BW_AUDIT_ERROR, BW_AUDIT_ERROR_CONFIG, "%s", local_error->message);
      return NULL;
    }

  if (!g_file_get_contents (path, out_text, NULL, NULL))
    *out_text = g_strdup ("");
  return config;
}

static char *
choose_agent_socket (const BwSshConfigHost *host,
                     const char            *auth_sock,
                     GPtrArray             *notes)
{
  const char *agent = host->identity_agent;

  if (agent != NULL && g_ascii_strcasecmp (agent, "none") == 0)
    {
      g_ptr_array_add (notes, g_strdup (_("IdentityAgent none: ssh does not use the agent for this host.")));
      return NULL;
    }
  if (agent == NULL || g_str_equal (agent, "SSH_AUTH_SOCK"))
    {
      if (auth_sock == NULL || *auth_sock == '\0')
        {
          g_ptr_array_add (notes, g_strdup (_("SSH_AUTH_SOCK is not set: no agent keys are offered.")));
          return NULL;
        }
      return g_strdup (auth_sock);
    }
  return g_strdup (agent);
}

/**
 * bw_audit_run:
 * @params: the host and where to look; see #BwAuditParams
 *
 * Counts the keys a plain `ssh HOST` would offer and builds the fix. An agent that
 * cannot be reached is not an error: ssh carries on without it, so does the audit, and
 * the report says why (@agent_error).
 *
 * Returns: (transfer full) (nullable): the report, or %NULL with @error set when a
 *   parameter is missing or the ssh_config cannot be read (ssh would refuse it too)
 */
BwAuditReport *
bw_audit_run (const BwAuditParams  *params,
              GError              **error)
{
  g_autoptr(BwAuditReport) report = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  g_autoptr(BwSshConfigHost) host = NULL;
  g_autoptr(GPtrArray) agent_keys = NULL;
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *home_env = NULL;
  g_autofree char *sock_env = NULL;
  const char *envp[3] = { NULL };
  BwSshConfigContext ctx = { NULL };

  if (params == NULL || params->host == NULL || *params->host == '\0' ||
      params->home_dir == NULL || *params->home_dir == '\0')
    {
      g_set_error (error, BW_AUDIT_ERROR, BW_AUDIT_ERROR_PARAMS,
                   _("The audit needs a host and a home folder."));
      return NULL;
    }

  /* The environment ssh would see, built from the parameters only. */
  home_env = g_strconcat ("HOME=", params->home_dir, NULL);
  envp[0] = home_env;
  if (params->auth_sock != NULL)
    {
      sock_env = g_strconcat ("SSH_AUTH_SOCK=", params->auth_sock, NULL);
      envp[1] = sock_env;
    }
  ctx.home_dir = (char *) params->home_dir;
  ctx.local_user = (char *) (params->local_user != NULL ? params->local_user : g_get_user_name ());
  ctx.envp = (char **) envp;

  config_path = params->config_path != NULL ? g_strdup (params->config_path)
                                            : g_build_filename (params->home_dir, ".ssh", "config", NULL);
  config = load_config (params, &ctx, config_path, &config_text, error);
  if (config == NULL)
    return NULL;
  host = bw_ssh_config_resolve (config, params->host);

  report = g_new0 (BwAuditReport, 1);
  report->host = g_strdup (params->host);
  report->hostname = g_strdup (host->hostname);
  report->port = host->port != 0 ? host->port : 22;
  report->user = g_strdup (host->user != NULL ? host->user : ctx.local_user);
  report->identities_only = host->identities_only;
  report->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) audit_key_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  report->attempts_after_fix = -1;

  /* The parser's notes, except the one about Banwatch's own probe, which needs an
   * IdentityFile; here the defaults are the very point. */
  for (guint i = 0; host->notes != NULL && i < host->notes->len; i++)
    {
      const char *note = g_ptr_array_index (host->notes, i);

      if (g_strcmp0 (note, _("no IdentityFile: a key must be chosen before Banwatch can probe (it never uses the agent)")) != 0)
        g_ptr_array_add (report->notes, g_strdup (note));
    }

  report->agent_socket = choose_agent_socket (host, params->auth_sock, report->notes);
  if (report->agent_socket != NULL)
    {
      agent_keys = bw_agent_list_keys (report->agent_socket, params->agent_timeout_ms, &report->agent_error);
      if (agent_keys != NULL)
        report->n_agent_keys = agent_keys->len;
    }

  candidates = model_offers (host, agent_keys, report->notes);
  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *c = g_ptr_array_index (candidates, i);
      BwAuditKey *key = g_new0 (BwAuditKey, 1);

      key->source = c->source;
      key->label = g_strdup (c->label);
      key->type = g_strdup (c->type);
      key->fingerprint = c->blob != NULL ? fingerprint (c->blob) : NULL;
      key->offered = c->offered;
      key->reason = g_strdup (c->reason);
      g_ptr_array_add (report->keys, key);
    }

  report->attempts = count_offered (candidates);
  report->risk = report->attempts <= 1 ? BW_AUDIT_RISK_NONE
               : report->attempts == 2 ? BW_AUDIT_RISK_MEDIUM
               : BW_AUDIT_RISK_HIGH;
  report->exceeds_max_auth_tries = report->attempts > BW_AUDIT_MAX_AUTH_TRIES;

  if (params->key_path != NULL)
    {
      g_autoptr(GError) fix_error = NULL;
      BwCommandSpec spec = {
        .host = params->site_host != NULL ? params->site_host : host->hostname,
        .port = params->site_port != 0 ? params->site_port : report->port,
        .user = params->site_user != NULL ? params->site_user : report->user,
        .key_path = params->key_path,
        .alias = params->host,
        .home_dir = params->home_dir,
      };

      report->fix = bw_command_build (BW_COMMAND_FORMAT_SSH_CONFIG, &spec, &fix_error);
      if (report->fix == NULL)
        g_ptr_array_add (report->notes, g_strdup_printf (_("No Host block can be written: %s"), fix_error->message));
    }
  else
    g_ptr_array_add (report->notes, g_strdup (_("The site has no key, so there is no Host block to suggest.")));

  /* Check the fix the way ssh would read it: at the top of the same configuration.
   * IdentityFile lines of other matching sections still add up. */
  if (report->fix != NULL)
    {
      g_autofree char *fixed_text = g_strconcat (report->fix, "\n", config_text, NULL);
      g_autoptr(BwSshConfig) fixed = bw_ssh_config_load_data (fixed_text, -1, config_path, &ctx, NULL);

      if (fixed != NULL)
        {
          g_autoptr(BwSshConfigHost) fixed_host = bw_ssh_config_resolve (fixed, params->host);
          gboolean no_agent = fixed_host->identity_agent != NULL &&
                              g_ascii_strcasecmp (fixed_host->identity_agent, "none") == 0;
          g_autoptr(GPtrArray) fixed_candidates = model_offers (fixed_host, no_agent ? NULL : agent_keys, NULL);

          report->attempts_after_fix = (int) count_offered (fixed_candidates);
          if (report->attempts_after_fix > 1 && count_other_keys (fixed_candidates) == 0)
            g_ptr_array_add (report->notes,
                             g_strdup (_("With this block ssh lists the site's key twice, because another "
                                         "IdentityFile line names the same file differently. That costs "
                                         "nothing while the key is accepted; remove the older line.")));
          else if (report->attempts_after_fix > 1)
            g_ptr_array_add (report->notes,
                             g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "Even with this block ssh would offer %d key: IdentityFile lines of other sections that match this host add up. Remove them or restrict their Host patterns.",
                                                           "Even with this block ssh would offer %d keys: IdentityFile lines of other sections that match this host add up. Remove them or restrict their Host patterns.",
                                                           (gulong) report->attempts_after_fix),
                                              report->attempts_after_fix));
        }
    }

  return g_steal_pointer (&report);
}

/* ---- Output ---- */

static const char *
risk_sentence (const BwAuditReport *report)
{
  if (report->attempts == 0)
    return _("No key would be offered, so ssh has nothing to log in with.");
  if (report->risk == BW_AUDIT_RISK_NONE)
    return _("One key: no rejected attempt comes before it.");
  if (report->risk == BW_AUDIT_RISK_MEDIUM)
    return _("Medium risk: one rejected key can come before the right one, and fail2ban counts it.");
  return _("High risk: several rejected keys can come before the right one. Each counts toward "
           "sshd's MaxAuthTries and, in fail2ban's ddos and aggressive modes, toward a ban.");
}

/**
 * bw_audit_report_format:
 *
 * Returns: (transfer full): the report as text for a person, translated
 */
char *
bw_audit_report_format (const BwAuditReport *report)
{
  GString *out = g_string_new (NULL);
  guint n = 0;
  gboolean any_skipped = FALSE;

  g_return_val_if_fail (report != NULL, NULL);

  g_string_append_printf (out, _("SSH setup audit for “%s” (%s@%s, port %u)"),
                          report->host, report->user, report->hostname, report->port);
  g_string_append (out, "\n\n");

  g_string_append_printf (out,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "A plain “ssh %s” would offer %u key:",
                                       "A plain “ssh %s” would offer %u keys, one after another:",
                                       report->attempts),
                          report->host, report->attempts);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < report->keys->len; i++)
    {
      const BwAuditKey *key = g_ptr_array_index (report->keys, i);

      if (!key->offered)
        {
          any_skipped = TRUE;
          continue;
        }
      g_string_append_printf (out, "  %u. %s: %s", ++n, source_label (key->source), key->label);
      if (key->type != NULL)
        g_string_append_printf (out, " (%s%s%s)", key->type, key->fingerprint != NULL ? " " : "",
                                key->fingerprint != NULL ? key->fingerprint : "");
      g_string_append_c (out, '\n');
    }

  if (any_skipped)
    {
      g_string_append_printf (out, "%s\n", _("Not offered:"));
      for (guint i = 0; i < report->keys->len; i++)
        {
          const BwAuditKey *key = g_ptr_array_index (report->keys, i);

          if (!key->offered)
            g_string_append_printf (out, "  - %s: %s — %s\n", source_label (key->source), key->label, key->reason);
        }
    }

  if (report->agent_error != NULL)
    g_string_append_printf (out, "%s %s\n", _("Agent:"), report->agent_error->message);

  g_string_append_printf (out, "\n%s\n", risk_sentence (report));
  if (report->exceeds_max_auth_tries)
    g_string_append_printf (out, _("Only the first %d keys can ever be tried: sshd's MaxAuthTries (%d by "
                                   "default) ends the connection with “Too many authentication "
                                   "failures” before the rest.\n"),
                            BW_AUDIT_MAX_AUTH_TRIES, BW_AUDIT_MAX_AUTH_TRIES);

  if (report->fix != NULL)
    {
      g_string_append_printf (out, "\n%s\n\n%s",
                              _("Fix: put this block near the top of ~/.ssh/config, before any "
                                "“Host *” section (ssh uses the first value it finds):"),
                              report->fix);
      if (report->attempts_after_fix >= 0)
        g_string_append_printf (out,
                                g_dngettext (GETTEXT_PACKAGE,
                                             "\nWith it, ssh offers %d key.\n",
                                             "\nWith it, ssh offers %d keys.\n",
                                             (gulong) report->attempts_after_fix),
                                report->attempts_after_fix);
    }

  for (guint i = 0; i < report->notes->len; i++)
    g_string_append_printf (out, "%s• %s\n", i == 0 ? "\n" : "", (const char *) g_ptr_array_index (report->notes, i));

  return g_string_free (out, FALSE);
}

static void
add_string (JsonBuilder *builder,
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
 * bw_audit_report_to_json:
 *
 * The stable JSON form of `banwatch audit --json`.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
bw_audit_report_to_json (const BwAuditReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (report != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "host", report->host);
  add_string (builder, "hostname", report->hostname);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, report->port);
  add_string (builder, "user", report->user);
  json_builder_set_member_name (builder, "identities_only");
  if (report->identities_only < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_boolean_value (builder, report->identities_only == 1);

  json_builder_set_member_name (builder, "agent");
  json_builder_begin_object (builder);
  add_string (builder, "socket", report->agent_socket);
  add_string (builder, "error", report->agent_error != NULL ? report->agent_error->message : NULL);
  json_builder_set_member_name (builder, "keys");
  json_builder_add_int_value (builder, report->n_agent_keys);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->keys->len; i++)
    {
      const BwAuditKey *key = g_ptr_array_index (report->keys, i);

      json_builder_begin_object (builder);
      add_string (builder, "source", source_word (key->source));
      add_string (builder, "label", key->label);
      add_string (builder, "type", key->type);
      add_string (builder, "fingerprint", key->fingerprint);
      json_builder_set_member_name (builder, "offered");
      json_builder_add_boolean_value (builder, key->offered);
      add_string (builder, "reason", key->reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, report->attempts);
  add_string (builder, "risk", bw_audit_risk_to_string (report->risk));
  json_builder_set_member_name (builder, "exceeds_max_auth_tries");
  json_builder_add_boolean_value (builder, report->exceeds_max_auth_tries);
  add_string (builder, "fix", report->fix);
  json_builder_set_member_name (builder, "attempts_after_fix");
  if (report->attempts_after_fix < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, report->attempts_after_fix);

  json_builder_set_member_name (builder, "notes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < report->notes->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (report->notes, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
