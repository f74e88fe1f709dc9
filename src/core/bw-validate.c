// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-validate"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "bw-validate.h"

G_DEFINE_QUARK (bw-validate-error-quark, bw_validate_error)

/* Characters that mean something to a shell or to ssh's own argument parsing. A host or
 * user containing them is a typo or an attack, never a real account. */
#define SHELL_SPECIALS "'\"`;&|<>(){}$\\*?!#~="

#define MAX_HOST_LENGTH 253
#define MAX_LABEL_LENGTH 63
#define MAX_USER_LENGTH 256
#define MAX_NAME_LENGTH 200

static gboolean
find_space_or_control (const char *text,
                       gunichar   *out_char)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) ||
          g_unichar_type (c) == G_UNICODE_FORMAT ||
          g_unichar_type (c) == G_UNICODE_LINE_SEPARATOR ||
          g_unichar_type (c) == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          *out_char = c;
          return TRUE;
        }
    }

  return FALSE;
}

static char *
describe_char (gunichar c)
{
  if (c == '\n')
    return g_strdup (_("a line break"));
  if (c == '\t')
    return g_strdup (_("a tab"));
  if (c == ' ')
    return g_strdup (_("a space"));
  return g_strdup_printf ("U+%04X", c);
}

/* Common checks for strings that end up as separate arguments on an ssh command line. */
static gboolean
check_argument_text (const char *text,
                     const char *what,
                     int         code,
                     GError    **error)
{
  gunichar bad;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, BW_VALIDATE_ERROR, code, _("The %s is empty."), what);
      return FALSE;
    }

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BW_VALIDATE_ERROR, code, _("The %s is not valid UTF-8 text."), what);
      return FALSE;
    }

  if (find_space_or_control (text, &bad))
    {
      g_autofree char *desc = describe_char (bad);
      g_set_error (error, BW_VALIDATE_ERROR, code,
                   _("The %s contains %s; spaces and control characters are not allowed."),
                   what, desc);
      return FALSE;
    }

  if (text[0] == '-')
    {
      g_set_error (error, BW_VALIDATE_ERROR, code,
                   _("The %s starts with “-”, which ssh would read as an option."), what);
      return FALSE;
    }

  return TRUE;
}

gboolean
bw_host_is_ipv6_literal (const char *host)
{
  struct in6_addr addr;

  return host != NULL && inet_pton (AF_INET6, host, &addr) == 1;
}

/* One spelling per address ("2001:db8::1"), so that known_hosts and names compare. */
static char *
canonical_ipv6 (const char *literal)
{
  struct in6_addr addr;
  char text[INET6_ADDRSTRLEN];

  if (inet_pton (AF_INET6, literal, &addr) != 1 ||
      inet_ntop (AF_INET6, &addr, text, sizeof text) == NULL)
    return g_strdup (literal);
  return g_strdup (text);
}

static gboolean
looks_like_ipv4 (const char *host)
{
  return strspn (host, "0123456789.") == strlen (host);
}

static gboolean
check_dns_name (const char  *ascii,
                const char  *original,
                GError     **error)
{
  g_auto(GStrv) labels = NULL;
  gsize length = strlen (ascii);

  if (length > 0 && ascii[length - 1] == '.')
    length--;

  if (length == 0 || length > MAX_HOST_LENGTH)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                   _("The host name “%s” is longer than %d characters."), original, MAX_HOST_LENGTH);
      return FALSE;
    }

  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      const char *label = labels[i];
      gsize label_length = strlen (label);

      /* The one empty label allowed is after a trailing dot. */
      if (label_length == 0 && labels[i + 1] == NULL && i > 0)
        break;

      if (label_length == 0)
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("The host name “%s” has an empty label (two dots in a row, or a leading dot)."),
                       original);
          return FALSE;
        }

      if (label_length > MAX_LABEL_LENGTH)
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("The host name “%s” has a label longer than %d characters."),
                       original, MAX_LABEL_LENGTH);
          return FALSE;
        }

      for (const char *p = label; *p != '\0'; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
            {
              g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                           _("The host name “%s” contains “%c”, which is not allowed in a host name."),
                           original, *p);
              return FALSE;
            }
        }

      if (label[0] == '-' || label[label_length - 1] == '-')
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("The host name “%s” has a label that starts or ends with “-”."), original);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * bw_validate_host:
 * @host: what the user typed
 *
 * Accepts a DNS name (an IDN becomes punycode), an IPv4 address, or an IPv6 literal with
 * or without brackets.
 *
 * Returns: (transfer full): the normalised host (no brackets, ASCII), or %NULL with @error set
 */
char *
bw_validate_host (const char  *host,
                  GError     **error)
{
  g_autofree char *ascii = NULL;
  const char *bad;

  if (!check_argument_text (host, _("host"), BW_VALIDATE_ERROR_HOST, error))
    return NULL;

  if (host[0] == '[')
    {
      gsize length = strlen (host);
      g_autofree char *inner = NULL;

      if (strstr (host, "]:") != NULL)
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("The host “%s” includes a port; give the port separately."), host);
          return NULL;
        }

      if (length < 3 || host[length - 1] != ']')
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("The host “%s” opens a “[” for an IPv6 address but does not close it."), host);
          return NULL;
        }

      inner = g_strndup (host + 1, length - 2);
      if (!bw_host_is_ipv6_literal (inner))
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("“%s” is not a valid IPv6 address."), inner);
          return NULL;
        }
      return canonical_ipv6 (inner);
    }

  if (strchr (host, ':') != NULL)
    {
      if (!bw_host_is_ipv6_literal (host))
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("“%s” is not a valid IPv6 address, and “:” is not allowed in a host name "
                         "(give the port separately)."), host);
          return NULL;
        }
      return canonical_ipv6 (host);
    }

  bad = strpbrk (host, SHELL_SPECIALS "/@,%+[]^");
  if (bad != NULL)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                   _("The host “%s” contains “%c”, which is not allowed in a host name."),
                   host, *bad);
      return NULL;
    }

  if (looks_like_ipv4 (host))
    {
      struct in_addr addr;

      if (inet_pton (AF_INET, host, &addr) != 1)
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                       _("“%s” is not a valid IPv4 address."), host);
          return NULL;
        }
      return g_strdup (host);
    }

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST,
                   _("The host name “%s” cannot be converted to an ASCII (punycode) name."), host);
      return NULL;
    }

  if (!check_dns_name (ascii, host, error))
    return NULL;

  return g_ascii_strdown (ascii, -1);
}

/**
 * bw_parse_bounded_uint:
 *
 * Parses a plain decimal number within [@min, @max]: no sign, no spaces, no suffix.
 */
gboolean
bw_parse_bounded_uint (const char *text,
                       guint       min,
                       guint       max,
                       guint      *out_value)
{
  guint64 value;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;

  *out_value = (guint) value;
  return TRUE;
}

/**
 * bw_validate_port:
 *
 * Parses a TCP port, 1–65535.
 */
gboolean
bw_validate_port (const char  *text,
                  guint16     *out_port,
                  GError     **error)
{
  guint value;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PORT, _("The port is empty."));
      return FALSE;
    }

  if (!bw_parse_bounded_uint (text, 1, 65535, &value))
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PORT,
                   _("The port “%s” is not a number between 1 and 65535."), text);
      return FALSE;
    }

  *out_port = (guint16) value;
  return TRUE;
}

/**
 * bw_validate_user:
 *
 * Accepts what OpenSSH and libssh accept as a remote user name.
 */
gboolean
bw_validate_user (const char  *user,
                  GError     **error)
{
  const char *bad;

  if (!check_argument_text (user, _("user name"), BW_VALIDATE_ERROR_USER, error))
    return FALSE;

  if (strlen (user) > MAX_USER_LENGTH)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_USER,
                   _("The user name is longer than %d characters."), MAX_USER_LENGTH);
      return FALSE;
    }

  bad = strpbrk (user, SHELL_SPECIALS);
  if (bad != NULL)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_USER,
                   _("The user name “%s” contains “%c”, which OpenSSH and libssh do not accept."),
                   user, *bad);
      return FALSE;
    }

  return TRUE;
}

/**
 * bw_validate_name:
 *
 * A site's display name: any Unicode text, but not empty, not only spaces, and without
 * control characters.
 */
gboolean
bw_validate_name (const char  *name,
                  GError     **error)
{
  g_autofree char *stripped = NULL;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME, _("The name is not valid UTF-8 text."));
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (name));
  if (*stripped == '\0')
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME, _("The name is empty."));
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME,
                       _("The name contains a control character such as a line break."));
          return FALSE;
        }
    }

  if (g_utf8_strlen (name, -1) > MAX_NAME_LENGTH)
    {
      g_set_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME,
                   _("The name is longer than %d characters."), MAX_NAME_LENGTH);
      return FALSE;
    }

  return TRUE;
}
