// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-command"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-command.h"
#include "bw-validate.h"

/*
 * The hardened first-touch command, in every form a maintainer may need.
 *
 * Each form is read by up to three parsers, and every variable part is quoted for all
 * of them, innermost first:
 *
 *   ssh, scp    the shell (g_shell_quote), then ssh's own expansion of -i paths;
 *   rsync       the shell, then rsync's split of the -e string (quotes only, doubled
 *               to escape), then ssh's expansion of -i;
 *   ssh-config  ssh_config(5)'s argument split (double quotes, backslash escapes) and
 *               its %-token expansion of IdentityFile;
 *   paramiko    a Python string literal.
 *
 * What cannot be represented exactly is refused with an error instead of being mangled:
 *
 *   - Key paths must be absolute. That also rules out a leading "-" (an option) and "~"
 *     (which ssh would expand).
 *   - ssh expands %-tokens and ${VAR} in every identity path, also those given with
 *     -i, but it checks that the -i file exists before expanding: "%%" would make it
 *     look for the wrong file and silently fall back to ~/.ssh/id_*. So "%" and "${"
 *     are refused in the shell forms; ssh-config writes "%%", and refuses "${".
 *   - Control characters, line breaks included, are legal in Linux file names but are
 *     refused in every form that ends up in a terminal or a config file: pasting them
 *     runs line-editor commands, and ssh_config is line based. Invisible formatting
 *     characters (U+202E and friends) are refused too, so that the command shown is
 *     the command run. The Python form escapes them instead.
 *   - scp and rsync read "USER@HOST:PATH" themselves, so a user name with ":", "/",
 *     "[" or "]" is refused there; a relative local path that they would take for a
 *     remote one ("a:b") or an option ("-x") gets a "./" prefix.
 *
 * The port is a number we format, so it needs no quoting.
 */

G_DEFINE_QUARK (bw-command-error-quark, bw_command_error)

#define MAX_PATH_BYTES 4096
#define DEFAULT_PORT   22

/* The options every form carries: one key, no agent, no prompt, no endless wait. */
static const char hardening[] =
  "-o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o ConnectTimeout=10";

static const char * const format_words[BW_N_COMMAND_FORMATS] = {
  [BW_COMMAND_FORMAT_SSH] = "ssh",
  [BW_COMMAND_FORMAT_SSH_CONFIG] = "ssh-config",
  [BW_COMMAND_FORMAT_PARAMIKO] = "paramiko",
  [BW_COMMAND_FORMAT_RSYNC] = "rsync",
  [BW_COMMAND_FORMAT_SCP] = "scp",
};

/**
 * bw_command_format_to_string:
 *
 * Returns: the word for @format, e.g. "ssh-config"
 */
const char *
bw_command_format_to_string (BwCommandFormat format)
{
  g_return_val_if_fail ((guint) format < BW_N_COMMAND_FORMATS, NULL);
  return format_words[format];
}

/**
 * bw_command_format_from_string:
 *
 * Parses "ssh", "ssh-config", "paramiko", "rsync" or "scp".
 */
gboolean
bw_command_format_from_string (const char      *word,
                               BwCommandFormat *out_format)
{
  for (guint i = 0; i < BW_N_COMMAND_FORMATS; i++)
    {
      if (g_strcmp0 (word, format_words[i]) == 0)
        {
          if (out_format != NULL)
            *out_format = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- Checks ---- */

static gboolean
is_unsafe_char (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SURROGATE:
      return TRUE;
    default:
      return FALSE;
    }
}

static char *
describe_unsafe_char (gunichar c)
{
  if (c == '\n')
    return g_strdup_printf (_("a line break (U+%04X)"), c);
  if (c == '\t')
    return g_strdup_printf (_("a tab (U+%04X)"), c);
  if (g_unichar_type (c) == G_UNICODE_CONTROL)
    return g_strdup_printf (_("a control character (U+%04X)"), c);
  return g_strdup_printf (_("an invisible formatting character (U+%04X)"), c);
}

/* Empty, non-UTF-8 and unsafe characters; @what names the field in the message. */
static gboolean
check_text (const char  *text,
            const char  *what,
            int          code,
            gboolean     allow_unsafe,
            GError     **error)
{
  if (text == NULL || *text == '\0')
    {
      g_set_error (error, BW_COMMAND_ERROR, code, _("The %s is empty."), what);
      return FALSE;
    }

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BW_COMMAND_ERROR, code, _("The %s is not valid UTF-8 text."), what);
      return FALSE;
    }

  if (strlen (text) > MAX_PATH_BYTES)
    {
      g_set_error (error, BW_COMMAND_ERROR, code,
                   _("The %s is longer than %d bytes."), what, MAX_PATH_BYTES);
      return FALSE;
    }

  if (!allow_unsafe)
    {
      for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (is_unsafe_char (c))
            {
              g_autofree char *desc = describe_unsafe_char (c);

              g_set_error (error, BW_COMMAND_ERROR, code,
                           _("The %s contains %s, which cannot be pasted safely into a terminal "
                             "or written into a config file; rename it."),
                           what, desc);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static gboolean
check_key (const char       *key,
           BwCommandFormat   format,
           GError          **error)
{
  gboolean shell = format == BW_COMMAND_FORMAT_SSH || format == BW_COMMAND_FORMAT_RSYNC ||
                   format == BW_COMMAND_FORMAT_SCP;

  if (!check_text (key, _("key path"), BW_COMMAND_ERROR_KEY,
                   format == BW_COMMAND_FORMAT_PARAMIKO, error))
    return FALSE;

  if (key[0] != '/')
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_KEY,
                   _("The key path “%s” is not absolute; give the full path, starting with “/”."),
                   key);
      return FALSE;
    }

  if (shell && strchr (key, '%') != NULL)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_KEY,
                   _("The key path “%s” contains “%%”, which ssh expands as a token (%%d, %%u, …) "
                     "in -i; rename the key file or use a link to it without “%%”."),
                   key);
      return FALSE;
    }

  if (format != BW_COMMAND_FORMAT_PARAMIKO && strstr (key, "${") != NULL)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_KEY,
                   _("The key path “%s” contains “${”, which ssh expands as an environment "
                     "variable; rename the key file or use a link to it without “${”."),
                   key);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_user (const char       *user,
            BwCommandFormat   format,
            GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!bw_validate_user (user, &local_error))
    {
      g_set_error_literal (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_USER, local_error->message);
      return FALSE;
    }

  if (format == BW_COMMAND_FORMAT_RSYNC || format == BW_COMMAND_FORMAT_SCP)
    {
      const char *bad = strpbrk (user, ":/[]");

      if (bad != NULL)
        {
          g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_USER,
                       _("The user name “%s” contains “%c”, which %s reads as part of the host "
                         "or path; use the ssh or ssh-config form."),
                       user, *bad, format_words[format]);
          return FALSE;
        }
    }

  /* OpenSSH 9.2 takes User literally, later versions expand %-tokens in it: no single
   * spelling means the same to both. */
  if (format == BW_COMMAND_FORMAT_SSH_CONFIG && strchr (user, '%') != NULL)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_USER,
                   _("The user name “%s” contains “%%”, which newer OpenSSH versions expand as a "
                     "token in a config file; use the ssh form."),
                   user);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_alias (const char  *alias,
             GError     **error)
{
  gsize length = alias != NULL ? strlen (alias) : 0;

  /* A Host line takes patterns: keep to characters that match only themselves. */
  if (length == 0 || length > 253 || alias[0] == '-' ||
      strspn (alias, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != length)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_ALIAS,
                   _("The Host alias “%s” may use only letters, digits, “.”, “_”, “:” and “-”, "
                     "and must not start with “-”."),
                   alias != NULL && g_utf8_validate (alias, -1, NULL) ? alias : "");
      return FALSE;
    }
  return TRUE;
}

/* Relative local paths that scp or rsync would read as "host:path" or as an option get a
 * "./" prefix, which both take as a plain local file. */
static char *
protect_local_path (const char *path)
{
  const char *colon = strchr (path, ':');
  const char *slash = strchr (path, '/');

  if (path[0] == '/')
    return g_strdup (path);
  if (path[0] == '-' || path[0] == '[' || (colon != NULL && (slash == NULL || colon < slash)))
    return g_strconcat ("./", path, NULL);
  return g_strdup (path);
}

/* ---- Quoting ---- */

/**
 * bw_command_quote_python:
 * @text: valid UTF-8
 *
 * Writes @text as a Python 3 string literal the way repr() does: single quotes, with
 * backslash escapes for the quote, the backslash and every character Python does not
 * print (controls, formatting characters, separators other than the space).
 *
 * Returns: (transfer full): the literal, quotes included
 */
char *
bw_command_quote_python (const char *text)
{
  GString *out = g_string_new ("'");

  g_return_val_if_fail (text != NULL && g_utf8_validate (text, -1, NULL), g_string_free (out, TRUE));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (c == '\\' || c == '\'')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || (c >= 0x7f && c <= 0xff && type == G_UNICODE_CONTROL))
        g_string_append_printf (out, "\\x%02x", c);
      else if (c != ' ' &&
               (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT ||
                type == G_UNICODE_UNASSIGNED || type == G_UNICODE_PRIVATE_USE ||
                type == G_UNICODE_SURROGATE || type == G_UNICODE_SPACE_SEPARATOR ||
                type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR))
        {
          if (c <= 0xffff)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_printf (out, "\\U%08x", c);
        }
      else
        g_string_append_unichar (out, c);
    }

  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/**
 * bw_command_quote_rsync:
 * @text: one argument of an rsync -e command line
 *
 * rsync splits -e at spaces itself (not through a shell); single or double quotes group,
 * and inside them the quote character doubled stands for itself. There are no
 * backslash escapes.
 *
 * Returns: (transfer full): @text as it is when it needs no quoting, else in single quotes
 */
char *
bw_command_quote_rsync (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  if (*text != '\0' && strpbrk (text, " '\"") == NULL)
    return g_strdup (text);

  out = g_string_new ("'");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append (out, "''");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/**
 * bw_command_quote_ssh_config:
 * @text: one ssh_config(5) argument, without control characters
 * @expands_percent: the option expands %-tokens (IdentityFile does): "%" becomes "%%"
 *
 * ssh splits arguments at spaces and tabs, honours double and single quotes, takes a
 * backslash before a quote or a backslash as an escape, and reads "#" at the start of
 * an argument as a comment. A value that needs it goes in double quotes, with "\"" and
 * "\\" escaped.
 *
 * Returns: (transfer full) (nullable): the argument, or %NULL when @text holds a control
 *   character, which no quoting can put on one config line
 */
char *
bw_command_quote_ssh_config (const char *text,
                             gboolean    expands_percent)
{
  g_autoptr(GString) value = g_string_new (NULL);
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return NULL;
      if (*p == '%' && expands_percent)
        g_string_append (value, "%%");
      else
        g_string_append_c (value, *p);
    }

  if (value->len > 0 && strpbrk (value->str, " \t\"'\\#=") == NULL)
    return g_string_free (g_steal_pointer (&value), FALSE);

  out = g_string_new ("\"");
  for (const char *p = value->str; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* ---- The forms ---- */

typedef struct {
  char       *host;         /* normalised, no brackets */
  guint       port;
  const char *user;
  const char *key;
  const char *home_dir;
  const char *alias;
  char       *local;        /* protected for scp/rsync */
  const char *remote;
} Checked;

static void
checked_clear (Checked *checked)
{
  g_clear_pointer (&checked->host, g_free);
  g_clear_pointer (&checked->local, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Checked, checked_clear)

static gboolean
check_spec (BwCommandFormat       format,
            const BwCommandSpec  *spec,
            Checked              *out,
            GError              **error)
{
  g_autoptr(GError) local_error = NULL;

  if (spec == NULL)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_HOST, _("No connection settings were given."));
      return FALSE;
    }

  out->host = bw_validate_host (spec->host, &local_error);
  if (out->host == NULL)
    {
      g_set_error_literal (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_HOST, local_error->message);
      return FALSE;
    }

  out->port = spec->port != 0 ? spec->port : DEFAULT_PORT;
  if (out->port > 65535)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_PORT,
                   _("The port %u is not between 1 and 65535."), spec->port);
      return FALSE;
    }

  if (!check_user (spec->user, format, error))
    return FALSE;
  out->user = spec->user;

  if (!check_key (spec->key_path, format, error))
    return FALSE;
  out->key = spec->key_path;

  if (format == BW_COMMAND_FORMAT_SSH_CONFIG)
    {
      out->home_dir = spec->home_dir;
      out->alias = spec->alias != NULL ? spec->alias : out->host;
      if (!check_alias (out->alias, error))
        return FALSE;
    }

  if (format == BW_COMMAND_FORMAT_RSYNC || format == BW_COMMAND_FORMAT_SCP)
    {
      const char *local = spec->local_path != NULL ? spec->local_path : BW_COMMAND_LOCAL_PLACEHOLDER;
      const char *remote = spec->remote_path != NULL ? spec->remote_path : BW_COMMAND_REMOTE_PLACEHOLDER;

      if (!check_text (local, _("local path"), BW_COMMAND_ERROR_LOCAL_PATH, FALSE, error) ||
          !check_text (remote, _("remote path"), BW_COMMAND_ERROR_REMOTE_PATH, FALSE, error))
        return FALSE;
      out->local = protect_local_path (local);
      out->remote = remote;
    }

  return TRUE;
}

static void
append_quoted (GString    *out,
               const char *text)
{
  g_autofree char *quoted = g_shell_quote (text);

  g_string_append_c (out, ' ');
  g_string_append (out, quoted);
}

static char *
build_ssh (const Checked *c)
{
  GString *out = g_string_new ("ssh -i");
  g_autofree char *destination = g_strconcat (c->user, "@", c->host, NULL);

  append_quoted (out, c->key);
  g_string_append_printf (out, " %s -p %u", hardening, c->port);
  append_quoted (out, destination);
  g_string_append (out, " 'echo ok'");
  return g_string_free (out, FALSE);
}

/* USER@HOST:PATH as scp and rsync read it: an IPv6 address needs brackets there. */
static char *
remote_spec (const Checked *c)
{
  if (bw_host_is_ipv6_literal (c->host))
    return g_strdup_printf ("%s@[%s]:%s", c->user, c->host, c->remote);
  return g_strdup_printf ("%s@%s:%s", c->user, c->host, c->remote);
}

static char *
build_scp (const Checked *c)
{
  GString *out = g_string_new ("scp -i");
  g_autofree char *remote = remote_spec (c);

  append_quoted (out, c->key);
  g_string_append_printf (out, " %s -P %u", hardening, c->port);
  append_quoted (out, c->local);
  append_quoted (out, remote);
  return g_string_free (out, FALSE);
}

static char *
build_rsync (const Checked *c)
{
  GString *out = g_string_new ("rsync -e");
  g_autofree char *key = bw_command_quote_rsync (c->key);
  g_autofree char *remote_shell = g_strdup_printf ("ssh -i %s %s -p %u", key, hardening, c->port);
  g_autofree char *remote = remote_spec (c);

  append_quoted (out, remote_shell);
  append_quoted (out, c->local);
  append_quoted (out, remote);
  return g_string_free (out, FALSE);
}

/* "~/rest" for a key inside the home folder: ssh_config expands "~" in IdentityFile. */
static char *
abbreviate_home (const char *key,
                 const char *home_dir)
{
  gsize length;

  if (home_dir == NULL || home_dir[0] != '/')
    return g_strdup (key);
  length = strlen (home_dir);
  while (length > 1 && home_dir[length - 1] == '/')
    length--;
  if (length > 1 && strncmp (key, home_dir, length) == 0 && key[length] == '/' && key[length + 1] != '\0')
    return g_strconcat ("~", key + length, NULL);
  return g_strdup (key);
}

static char *
build_ssh_config (const Checked  *c,
                  GError        **error)
{
  g_autofree char *user = bw_command_quote_ssh_config (c->user, FALSE);
  g_autofree char *short_key = abbreviate_home (c->key, c->home_dir);
  g_autofree char *key = bw_command_quote_ssh_config (short_key, TRUE);
  g_autofree char *host = bw_command_quote_ssh_config (c->host, TRUE);

  /* check_spec() let no control character through, so quoting cannot fail here. */
  g_assert (user != NULL && key != NULL && host != NULL);

  return g_strdup_printf ("Host %s\n"
                          "    HostName %s\n"
                          "    Port %u\n"
                          "    User %s\n"
                          "    IdentityFile %s\n"
                          "    IdentitiesOnly yes\n"
                          "    IdentityAgent none\n"
                          "    BatchMode yes\n"
                          "    ConnectTimeout 10\n",
                          c->alias, host, c->port, user, key);
}

static char *
build_paramiko (const Checked *c)
{
  g_autofree char *host = bw_command_quote_python (c->host);
  g_autofree char *user = bw_command_quote_python (c->user);
  g_autofree char *key = bw_command_quote_python (c->key);

  return g_strdup_printf ("import paramiko\n"
                          "\n"
                          "client = paramiko.SSHClient()\n"
                          "# Only host keys you already trust; never add unknown ones silently.\n"
                          "client.load_system_host_keys()\n"
                          "client.set_missing_host_key_policy(paramiko.RejectPolicy())\n"
                          "client.connect(\n"
                          "    hostname=%s,\n"
                          "    port=%u,\n"
                          "    username=%s,\n"
                          "    key_filename=%s,\n"
                          "    # One key only: no ~/.ssh/id_* files, no agent keys.\n"
                          "    look_for_keys=False,\n"
                          "    allow_agent=False,\n"
                          "    # An encrypted key needs passphrase=…; read it from a safe place.\n"
                          "    timeout=10,\n"
                          "    banner_timeout=10,\n"
                          "    auth_timeout=10,\n"
                          ")\n"
                          "try:\n"
                          "    _, stdout, _ = client.exec_command('echo ok')\n"
                          "    print(stdout.read().decode().strip())\n"
                          "finally:\n"
                          "    client.close()\n",
                          host, c->port, user, key);
}

/**
 * bw_command_build:
 * @format: which form
 * @spec: host, port, user, key (and paths for rsync and scp)
 *
 * Builds the hardened command in @format. Every variable part is quoted for each parser
 * that reads it (see the top of bw-command.c); what cannot be represented exactly is
 * refused.
 *
 * Returns: (transfer full) (nullable): the command or snippet, or %NULL with @error set
 *   (%BW_COMMAND_ERROR, the code naming the offending part)
 */
char *
bw_command_build (BwCommandFormat       format,
                  const BwCommandSpec  *spec,
                  GError              **error)
{
  g_auto(Checked) checked = { NULL };

  if ((guint) format >= BW_N_COMMAND_FORMATS)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_FORMAT,
                   _("Unknown command format %d; choose one of: ssh, ssh-config, paramiko, rsync, scp."),
                   (int) format);
      return NULL;
    }

  if (!check_spec (format, spec, &checked, error))
    return NULL;

  switch (format)
    {
    case BW_COMMAND_FORMAT_SSH:
      return build_ssh (&checked);
    case BW_COMMAND_FORMAT_SSH_CONFIG:
      return build_ssh_config (&checked, error);
    case BW_COMMAND_FORMAT_PARAMIKO:
      return build_paramiko (&checked);
    case BW_COMMAND_FORMAT_RSYNC:
      return build_rsync (&checked);
    case BW_COMMAND_FORMAT_SCP:
      return build_scp (&checked);
    case BW_N_COMMAND_FORMATS:
    default:
      g_assert_not_reached ();
    }
}

/**
 * bw_command_build_for_site:
 * @format: which form
 * @site: a stored site; its host is also the `Host` alias of the ssh-config form, and a
 *   key under this user's home folder is written there as "~/…"
 *
 * Returns: (transfer full) (nullable): as bw_command_build()
 */
char *
bw_command_build_for_site (BwCommandFormat   format,
                           BwSite           *site,
                           GError          **error)
{
  BwCommandSpec spec = { NULL };

  g_return_val_if_fail (BW_IS_SITE (site), NULL);

  if (bw_site_get_key_path (site) == NULL)
    {
      g_set_error (error, BW_COMMAND_ERROR, BW_COMMAND_ERROR_KEY,
                   _("The site “%s” has no key; set one with “banwatch sites edit”."),
                   bw_site_get_name (site) != NULL ? bw_site_get_name (site) : "");
      return NULL;
    }

  spec.host = bw_site_get_host (site);
  spec.port = bw_site_get_port (site);
  spec.user = bw_site_get_user (site);
  spec.key_path = bw_site_get_key_path (site);
  spec.home_dir = g_get_home_dir ();
  return bw_command_build (format, &spec, error);
}
