// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-ssh-config"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "bw-ssh-config.h"

/*
 * How this reader models ssh.
 *
 * ssh reads its configuration once per connection, for one host, keeping the first value
 * it obtains for each option. We want the answer for every alias in the file, so the file
 * is parsed once into blocks (a Host line, a Match line, or the top of a file) holding
 * option entries in file order; resolving a host then walks the entries of the blocks
 * that match it, in file order, with the same first-wins rule.
 *
 * An Include inside a block applies only while that block applies: ssh parses the
 * included file with the including block's state and never lets it match otherwise. So
 * each block has a parent (the block the Include line was in), and a block applies only
 * if its parent applies too.
 *
 * The semantics are those of the ssh in Debian 12: OpenSSH 9.2p1, which since
 * 1:9.2p1-2+deb12u10 also carries 10.3's ProxyJump/ProxyCommand rule. The test compares
 * the results with that ssh itself. Comments name the ssh behaviour each rule copies, so
 * a later version can be compared rule by rule. Deliberately not modelled: evaluating
 * Match (other than "Match all"), DNS canonicalisation, %j and tokens in User (9.6 and
 * 10.0), and looking up "~user" or service names (files we were not given).
 */

G_DEFINE_QUARK (bw-ssh-config-error-quark, bw_ssh_config_error)

/* OpenSSH's own limits (READCONF_MAX_DEPTH, SSH_MAX_IDENTITY_FILES), so that we accept and
 * refuse what ssh does. */
#define MAX_INCLUDE_DEPTH  16
#define MAX_IDENTITY_FILES 100

/* Ours: ssh has none, but an Include of a huge log or a glob over a huge directory must
 * not make an import hang or eat the memory. */
#define MAX_FILE_SIZE      (64 * 1024 * 1024)
#define MAX_INCLUDED_FILES 4096

/* Skip texts are shown to people; a 1 MB line is not. */
#define MAX_TEXT_CHARS 200

/* ssh's WHITESPACE; note that ssh splits arguments on spaces and tabs only. */
#define WHITESPACE " \t\r\n"

/* The tokens OpenSSH 9.2 knows in IdentityFile and IdentityAgent (%j came in 9.6). */
#define CLIENT_TOKENS "CLiklnpdhru"

#define ROOT_BLOCK 0
#define NO_BLOCK   G_MAXUINT

/* For options before the first Host line and for ssh's fallback to 22. */
#define DEFAULT_PORT 22

typedef int ConfigFd;

static void
close_config_fd (ConfigFd fd)
{
  g_close (fd, NULL);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ConfigFd, close_config_fd, -1)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (glob_t, globfree)

typedef enum {
  KEYWORD_UNKNOWN,
  KEYWORD_OTHER,  /* known to ssh, irrelevant here */
  KEYWORD_HOST,
  KEYWORD_MATCH,
  KEYWORD_INCLUDE,
  /* From here on: options whose value a host may use (see keyword_holds_value). */
  KEYWORD_HOSTNAME,
  KEYWORD_PORT,
  KEYWORD_USER,
  KEYWORD_IDENTITY_FILE,
  KEYWORD_IDENTITIES_ONLY,
  KEYWORD_IDENTITY_AGENT,
  KEYWORD_PROXY_JUMP,
  KEYWORD_PROXY_COMMAND,
  KEYWORD_HOST_KEY_ALIAS,
  KEYWORD_CANONICALIZE_HOSTNAME,
  KEYWORD_IGNORE_UNKNOWN,
} Keyword;

/* Every keyword OpenSSH 9.2 accepts, plus those of later releases and of Debian's patches:
 * a keyword that a newer ssh knows is not a typo worth reporting. Sorted for bsearch. */
static const char * const known_keywords[] = {
  "addkeystoagent", "addressfamily", "afstokenpassing", "batchmode", "bindaddress",
  "bindinterface", "canonicaldomains", "canonicalizefallbacklocal", "canonicalizehostname",
  "canonicalizemaxdots", "canonicalizepermittedcnames", "casignaturealgorithms",
  "certificatefile", "challengeresponseauthentication", "channeltimeout", "checkhostip",
  "cipher", "ciphers", "clearallforwardings", "compression", "compressionlevel",
  "connectionattempts", "connecttimeout", "controlmaster", "controlpath", "controlpersist",
  "dsaauthentication", "dynamicforward", "enableescapecommandline", "enablesshkeysign",
  "escapechar", "exitonforwardfailure", "fallbacktorsh", "fingerprinthash",
  "forkafterauthentication", "forwardagent", "forwardx11", "forwardx11timeout",
  "forwardx11trusted", "gatewayports", "globalknownhostsfile", "globalknownhostsfile2",
  "gssapiauthentication", "gssapiclientidentity", "gssapidelegatecredentials",
  "gssapikexalgorithms", "gssapikeyexchange", "gssapirenewalforcesrekey",
  "gssapiserveridentity", "gssapitrustdns", "hashknownhosts", "host",
  "hostbasedacceptedalgorithms", "hostbasedauthentication", "hostbasedkeytypes",
  "hostkeyalgorithms", "hostkeyalias", "hostname", "identitiesonly", "identityagent",
  "identityfile", "identityfile2", "ignoreunknown", "include", "ipqos",
  "kbdinteractiveauthentication", "kbdinteractivedevices", "keepalive",
  "kerberosauthentication", "kerberostgtpassing", "kexalgorithms", "knownhostscommand",
  "localcommand", "localforward", "loglevel", "logverbose", "macs", "match",
  "nohostauthenticationforlocalhost", "numberofpasswordprompts", "obscurekeystroketiming",
  "passwordauthentication", "permitlocalcommand", "permitremoteopen", "pkcs11provider",
  "port", "preferredauthentications", "protocol", "protocolkeepalives", "proxycommand",
  "proxyjump", "proxyusefdpass", "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes",
  "pubkeyauthentication", "refuseconnection", "rekeylimit", "remotecommand",
  "remoteforward", "requesttty", "requiredrsasize", "revokedhostkeys",
  "rhostsauthentication", "rhostsrsaauthentication", "rsaauthentication",
  "securitykeyprovider", "sendenv", "serveralivecountmax", "serveraliveinterval",
  "sessiontype", "setenv", "setuptimeout", "skeyauthentication", "smartcarddevice",
  "stdinnull", "streamlocalbindmask", "streamlocalbindunlink", "stricthostkeychecking",
  "syslogfacility", "tag", "tcpkeepalive", "tisauthentication", "tunnel", "tunneldevice",
  "updatehostkeys", "useblacklistedkeys", "useprivilegedport", "user", "userknownhostsfile",
  "userknownhostsfile2", "useroaming", "usersh", "verifyhostkeydns", "versionaddendum",
  "visualhostkey", "warnweakcrypto", "xauthlocation",
};

static const struct {
  const char *name;
  Keyword     keyword;
} relevant_keywords[] = {
  { "host", KEYWORD_HOST },
  { "match", KEYWORD_MATCH },
  { "include", KEYWORD_INCLUDE },
  { "hostname", KEYWORD_HOSTNAME },
  { "port", KEYWORD_PORT },
  { "user", KEYWORD_USER },
  { "identityfile", KEYWORD_IDENTITY_FILE },
  { "identitiesonly", KEYWORD_IDENTITIES_ONLY },
  { "identityagent", KEYWORD_IDENTITY_AGENT },
  { "proxyjump", KEYWORD_PROXY_JUMP },
  { "proxycommand", KEYWORD_PROXY_COMMAND },
  { "hostkeyalias", KEYWORD_HOST_KEY_ALIAS },
  { "canonicalizehostname", KEYWORD_CANONICALIZE_HOSTNAME },
  { "ignoreunknown", KEYWORD_IGNORE_UNKNOWN },
};

/* ssh 9.2 tries these when no IdentityFile applies (fill_default_options), in this order. */
static const char * const default_identity_files[] = {
  "~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
  "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa",
};

typedef enum {
  BLOCK_ALWAYS,  /* the top of the file, or Match all */
  BLOCK_HOST,
  BLOCK_NEVER,   /* a Match we do not evaluate, or a Host line ssh rejects */
} BlockKind;

typedef struct {
  BlockKind   kind;
  guint       parent;       /* the block of the Include line that read this file */
  GPtrArray  *patterns;     /* char*: the Host patterns as written, owning the strings */
  GPtrArray  *literals;     /* borrowed from patterns: no wildcard, not negated */
  GPtrArray  *wildcards;    /* borrowed: with * or ?, not negated */
  GPtrArray  *negated;      /* borrowed: the pattern after its "!" */
  GHashTable *literal_set;  /* only for long Host lines, so that a huge one stays linear */
  GArray     *entries;      /* guint: indices into config->entries, ascending */
} Block;

typedef struct {
  Keyword     keyword;
  const char *file;     /* borrowed from config->files */
  guint       line;
  char       *value;    /* the argument (the rest of the line for ProxyCommand/ProxyJump) */
  int         number;   /* Port, IdentitiesOnly, CanonicalizeHostname */
  char       *problem;  /* ssh rejected the line: said to the hosts it applies to */
} Entry;

typedef struct {
  char       *name;
  guint       block;
  const char *file;
  guint       line;
} Alias;

struct _BwSshConfig {
  char              *home_dir;
  char              *local_user;
  char              *local_host;
  char             **envp;
  BwSshConfigFlags   flags;

  GPtrArray         *files;           /* char*: every file name an entry or a host points to */
  GPtrArray         *blocks;          /* Block* */
  GPtrArray         *entries;         /* Entry* */
  GPtrArray         *aliases;         /* Alias*: every literal Host pattern, in file order */
  GHashTable        *alias_source;    /* name → the first Alias* that applies, borrowed */
  GHashTable        *literal_index;   /* literal pattern → GArray of guint block ids */
  GArray            *generic_blocks;  /* guint: blocks that may apply to any host */
  GPtrArray         *ignore_unknown;  /* char*: IgnoreUnknown pattern lists */
  gboolean           wants_final_pass;
  guint              included_files;

  GPtrArray         *hosts;           /* BwSshConfigHost* */
  GPtrArray         *skipped;         /* BwSshConfigSkip* */
};

/* The state of one file being read. */
typedef struct {
  BwSshConfig *config;
  const char  *file;
  guint        depth;
  guint        base_block;  /* the block of the Include line, ROOT_BLOCK at the top */
  guint        block;       /* the block the next option lands in */
  gboolean     in_match;    /* ignore everything up to the next Host or Match */
  guint        line;
  const char  *raw;         /* the current line, not NUL-terminated */
  gsize        raw_length;
} FileParser;

static gboolean parse_text (BwSshConfig  *config,
                            const char   *file,
                            const char   *data,
                            gsize         length,
                            guint         depth,
                            guint         base_block,
                            GError      **error);

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                        */

static void
block_free (Block *block)
{
  g_clear_pointer (&block->literal_set, g_hash_table_unref);
  g_clear_pointer (&block->literals, g_ptr_array_unref);
  g_clear_pointer (&block->wildcards, g_ptr_array_unref);
  g_clear_pointer (&block->negated, g_ptr_array_unref);
  g_clear_pointer (&block->patterns, g_ptr_array_unref);
  g_clear_pointer (&block->entries, g_array_unref);
  g_free (block);
}

static void
entry_free (Entry *entry)
{
  g_free (entry->value);
  g_free (entry->problem);
  g_free (entry);
}

static void
alias_free (Alias *alias)
{
  g_free (alias->name);
  g_free (alias);
}

static void
skip_free (BwSshConfigSkip *skip)
{
  g_free (skip->file);
  g_free (skip->text);
  g_free (skip->reason);
  g_free (skip);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_keyword (const void *key,
                 const void *member)
{
  return strcmp (key, *(const char * const *) member);
}

static int
compare_uints (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return (x > y) - (x < y);
}

static gboolean
keyword_holds_value (Keyword keyword)
{
  return keyword >= KEYWORD_HOSTNAME;
}

static Keyword
lookup_keyword (const char *lowercase)
{
  for (guint i = 0; i < G_N_ELEMENTS (relevant_keywords); i++)
    {
      if (strcmp (lowercase, relevant_keywords[i].name) == 0)
        return relevant_keywords[i].keyword;
    }

  if (bsearch (lowercase, known_keywords, G_N_ELEMENTS (known_keywords),
               sizeof known_keywords[0], compare_keyword) != NULL)
    return KEYWORD_OTHER;

  return KEYWORD_UNKNOWN;
}

/* A line as people may see it: valid UTF-8, no control characters (a terminal would act
 * on them), and short. */
static char *
printable_text (const char *raw,
                gsize       length)
{
  g_autoptr(GString) text = g_string_sized_new (MIN (length, 1024) + 1);
  g_autofree char *valid = NULL;

  /* Anything past a few hundred characters is cut anyway; don't validate megabytes. */
  length = MIN (length, 4 * MAX_TEXT_CHARS);
  while (length > 0 && raw[length - 1] != '\0' && strchr (WHITESPACE "\f", raw[length - 1]) != NULL)
    length--;

  for (gsize i = 0; i < length; i++)
    {
      guchar c = raw[i];

      if (c == '\0')
        g_string_append (text, "\xe2\x90\x80");  /* U+2400 SYMBOL FOR NULL */
      else if ((c < 0x20 && c != '\t') || c == 0x7f)
        g_string_append (text, "\xef\xbf\xbd");  /* U+FFFD */
      else
        g_string_append_c (text, c);
    }

  g_strchug (text->str);
  valid = g_utf8_make_valid (text->str, -1);
  if (g_utf8_strlen (valid, -1) > MAX_TEXT_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (valid, 0, MAX_TEXT_CHARS);

      return g_strconcat (cut, "…", NULL);
    }

  return g_steal_pointer (&valid);
}

/* ssh's match_pattern(): "*" and "?" on bytes, case-sensitive. Iterative, so a hostile
 * pattern costs O(n·m) instead of exponential time and no stack. */
static gboolean
pattern_match (const char *s,
               const char *p)
{
  const char *star_p = NULL;
  const char *star_s = NULL;

  while (*s != '\0')
    {
      if (*p == '*')
        {
          while (*p == '*')
            p++;
          if (*p == '\0')
            return TRUE;
          star_p = p;
          star_s = s;
        }
      else if (*p != '\0' && (*p == '?' || *p == *s))
        {
          p++;
          s++;
        }
      else if (star_p != NULL)
        {
          p = star_p;
          s = ++star_s;
        }
      else
        {
          return FALSE;
        }
    }

  while (*p == '*')
    p++;

  return *p == '\0';
}

/* ssh's match_pattern_list() with dolower: comma-separated, "!" negates and wins. */
static gboolean
pattern_list_match (const char *lowercase_name,
                    const char *list)
{
  g_auto(GStrv) patterns = g_strsplit (list, ",", -1);
  gboolean matched = FALSE;

  for (guint i = 0; patterns[i] != NULL; i++)
    {
      gboolean negated = patterns[i][0] == '!';
      g_autofree char *pattern = g_ascii_strdown (patterns[i] + (negated ? 1 : 0), -1);

      if (pattern_match (lowercase_name, pattern))
        {
          if (negated)
            return FALSE;
          matched = TRUE;
        }
    }

  return matched;
}

/* ssh's strdelim(): the keyword ends at whitespace, a double quote or a single "=", so
 * "Key Value", "Key=Value" and "Key = Value" all work. Works in place like ssh's. */
static char *
next_word (char     **s,
           gboolean  *unclosed)
{
  char *old = *s;
  char *q;
  gboolean equals;

  if (old == NULL)
    return NULL;

  q = strpbrk (old, WHITESPACE "\"=");
  if (q == NULL)
    {
      *s = NULL;
      return old;
    }

  if (*q == '"')
    {
      memmove (q, q + 1, strlen (q));  /* drop the quote, keep the NUL */
      q = strchr (q, '"');
      if (q == NULL)
        {
          *s = NULL;
          *unclosed = TRUE;
          return NULL;
        }
      *q = '\0';
      *s = q + 1 + strspn (q + 1, WHITESPACE);
      return old;
    }

  equals = *q == '=';
  *q = '\0';
  q += 1 + strspn (q + 1, WHITESPACE);
  if (!equals && *q == '=')
    q += 1 + strspn (q + 1, WHITESPACE);
  *s = q;

  return old;
}

/* ssh's argv_split() with terminate_on_comment: spaces and tabs separate; "…" and '…'
 * group; a backslash escapes a quote, a backslash, or a space outside quotes; "#" at the
 * start of an argument ends the line. NULL when a quote is left open. */
static GPtrArray *
split_arguments (const char *s)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  gsize i = 0;

  while (s[i] != '\0')
    {
      g_autoptr(GString) arg = NULL;
      char quote = 0;

      if (s[i] == ' ' || s[i] == '\t')
        {
          i++;
          continue;
        }
      if (s[i] == '#')
        break;

      arg = g_string_new (NULL);
      for (; s[i] != '\0'; i++)
        {
          char c = s[i];
          char next = s[i + 1];

          if (c == '\\' && (next == '\'' || next == '"' || next == '\\' ||
                            (quote == 0 && next == ' ')))
            g_string_append_c (arg, s[++i]);
          else if (quote == 0 && (c == ' ' || c == '\t'))
            break;
          else if (quote == 0 && (c == '"' || c == '\''))
            quote = c;
          else if (quote != 0 && c == quote)
            quote = 0;
          else
            g_string_append_c (arg, c);
        }

      if (quote != 0)
        return NULL;

      g_ptr_array_add (args, g_string_free (g_steal_pointer (&arg), FALSE));
    }

  return g_steal_pointer (&args);
}

/* ssh's a2port() without the /etc/services lookup, which would read a file we were not
 * given. strtonum() semantics: optional leading blanks and "+", decimal, 1 to 65535. */
static gboolean
parse_port (const char *text,
            int        *out_port)
{
  const char *p = text + strspn (text, " \t\n\v\f\r");
  guint64 value = 0;

  if (*p == '+')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      value = value * 10 + (guint) (*p - '0');
      if (value > G_MAXUINT16)
        return FALSE;
    }
  if (*p != '\0' || value == 0)
    return FALSE;

  *out_port = (int) value;
  return TRUE;
}

/* ssh's multistate tables: "yes"/"true"/"no"/"false", and "always" where allowed. */
static gboolean
parse_flag (const char *text,
            gboolean    allow_always,
            int        *out_value)
{
  if (g_ascii_strcasecmp (text, "yes") == 0 || g_ascii_strcasecmp (text, "true") == 0)
    *out_value = 1;
  else if (g_ascii_strcasecmp (text, "no") == 0 || g_ascii_strcasecmp (text, "false") == 0)
    *out_value = 0;
  else if (allow_always && g_ascii_strcasecmp (text, "always") == 0)
    *out_value = 2;
  else
    return FALSE;

  return TRUE;
}

/* ssh's valid_env_name(). */
static gboolean
valid_env_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_')
        return FALSE;
    }
  return TRUE;
}

static char *
describe_token (char c)
{
  if (g_ascii_isprint (c) && c != ' ')
    return g_strdup_printf (_("unknown token %%%c"), c);
  return g_strdup (_("unknown token: “%” followed by a space or a non-ASCII byte"));
}

/* ssh's percent_expand()/percent_dollar_expand(): one pass, "${NAME}" (when dollar) and
 * "%x" from tokens (indexed by the ASCII letter; NULL means unknown). When tokens is NULL
 * only the syntax is checked and nothing is looked up. Returns NULL with why set when ssh
 * would stop with an error. */
static char *
expand_tokens (BwSshConfig        *config,
               const char         *value,
               const char * const *tokens,
               const char         *allowed,
               gboolean            dollar,
               char              **why)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (dollar && p[0] == '$' && p[1] == '{')
        {
          const char *close = strchr (p + 2, '}');
          g_autofree char *name = NULL;
          const char *env_value;

          if (close == NULL)
            {
              *why = g_strdup (_("“${” without a closing “}”"));
              return NULL;
            }
          if (close == p + 2)
            {
              *why = g_strdup (_("an empty “${}”"));
              return NULL;
            }

          name = g_strndup (p + 2, close - (p + 2));
          p = close;
          if (tokens == NULL)
            continue;

          env_value = g_environ_getenv (config->envp, name);
          if (env_value == NULL)
            {
              *why = g_strdup_printf (_("the environment variable %s is not set"), name);
              return NULL;
            }
          g_string_append (out, env_value);
          continue;
        }

      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }

      p++;
      if (*p == '%')
        {
          g_string_append_c (out, '%');
          continue;
        }
      if (*p == '\0')
        {
          *why = g_strdup (_("a lone “%” at the end"));
          return NULL;
        }
      if (strchr (allowed, *p) == NULL)
        {
          *why = describe_token (*p);
          return NULL;
        }
      if (tokens != NULL)
        g_string_append (out, tokens[(guchar) *p]);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ssh's tilde_expand(): "~" and "~/x" are the home directory, extra slashes dropped;
 * "~user" is only ours to expand when it is the local user (anything else would mean
 * reading the account database, a file we were not given). */
static char *
expand_tilde (BwSshConfig  *config,
              const char   *path,
              char        **why)
{
  const char *user = path + 1;
  const char *slash;
  const char *rest;
  gsize user_length;
  gboolean home_has_slash;

  if (path[0] != '~')
    return g_strdup (path);

  slash = strchr (user, '/');
  user_length = slash != NULL ? (gsize) (slash - user) : strlen (user);
  if (user_length > 0 &&
      (user_length != strlen (config->local_user) ||
       strncmp (user, config->local_user, user_length) != 0))
    {
      *why = g_strdup_printf (_("“~%.*s” is another account’s home directory, which Banwatch does not look up"),
                              (int) user_length, user);
      return NULL;
    }

  rest = slash != NULL ? slash + strspn (slash, "/") : "";
  home_has_slash = g_str_has_suffix (config->home_dir, "/");

  return g_strconcat (config->home_dir, home_has_slash ? "" : "/", rest, NULL);
}

/* What ssh connects to: it lowercases names but turns anything that parses as a numeric
 * address into its canonical form (so "010.1.1.1" is 8.1.1.1, as getaddrinfo says), and
 * leaves other address-looking names alone (is_addr() and resolve_addr() in ssh.c). */
static char *
canonical_host_name (const char *name)
{
  struct in_addr v4;
  struct in6_addr v6;
  char buffer[INET6_ADDRSTRLEN];

  if (strpbrk (name, WHITESPACE) == NULL && inet_aton (name, &v4) != 0)
    return g_strdup (inet_ntop (AF_INET, &v4, buffer, sizeof buffer));
  if (inet_pton (AF_INET6, name, &v6) == 1)
    return g_strdup (inet_ntop (AF_INET6, &v6, buffer, sizeof buffer));
  if (strchr (name, '%') != NULL || strchr (name, ':') != NULL ||
      strspn (name, "0123456789.") == strlen (name))
    return g_strdup (name);

  return g_ascii_strdown (name, -1);
}

/* Reads a whole regular file. Opened non-blocking and checked with fstat first, so an
 * Include of a FIFO or a device can neither block nor stream forever. */
static gboolean
read_config_file (const char   *path,
                  char        **out_data,
                  gsize        *out_length,
                  struct stat  *out_stat,
                  GError      **error)
{
  g_auto(ConfigFd) fd = -1;
  g_autoptr(GByteArray) buffer = NULL;
  gsize used = 0;
  int saved_errno;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                           g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (fd, out_stat) != 0)
    {
      saved_errno = errno;
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                           g_strerror (saved_errno));
      return FALSE;
    }
  if (S_ISDIR (out_stat->st_mode))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, _("it is a directory"));
      return FALSE;
    }
  if (!S_ISREG (out_stat->st_mode))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("it is not a regular file"));
      return FALSE;
    }

  buffer = g_byte_array_sized_new ((guint) MIN ((gsize) out_stat->st_size, MAX_FILE_SIZE) + 1);
  for (;;)
    {
      gssize n;

      if (used > MAX_FILE_SIZE)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       _("it is larger than %d MiB, too large for an SSH configuration"),
                       MAX_FILE_SIZE / (1024 * 1024));
          return FALSE;
        }

      g_byte_array_set_size (buffer, (guint) (used + 65536));  /* used <= MAX_FILE_SIZE */
      n = read (fd, buffer->data + used, 65536);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                               g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        break;
      used += n;
    }

  g_byte_array_set_size (buffer, (guint) used);
  *out_length = used;
  *out_data = (char *) g_byte_array_free (g_steal_pointer (&buffer), FALSE);

  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Building the model                                                                   */

static const char *
intern_file (BwSshConfig *config,
             const char  *file)
{
  char *copy = g_strdup (file);

  g_ptr_array_add (config->files, copy);
  return copy;
}

static void
add_skip (BwSshConfig *config,
          const char  *file,
          guint        line,
          const char  *text,
          gboolean     ssh_rejects,
          const char  *reason)
{
  BwSshConfigSkip *skip = g_new0 (BwSshConfigSkip, 1);

  skip->file = g_strdup (file);
  skip->line = line;
  skip->text = g_strdup (text);
  skip->reason = g_strdup (reason);
  skip->ssh_rejects = ssh_rejects;
  g_ptr_array_add (config->skipped, skip);
}

/* Records something we leave out although ssh would accept it. text NULL: the line. */
G_GNUC_PRINTF (3, 4)
static void
skip_line (FileParser *fp,
           const char *text,
           const char *format,
           ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *line_text = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (text == NULL)
    text = line_text = printable_text (fp->raw, fp->raw_length);
  add_skip (fp->config, fp->file, fp->line, text, FALSE, reason);
}

/* Records a line that makes ssh itself stop with an error. In strict mode this is the
 * error; otherwise it is a skip entry and we read on, as an import should. */
G_GNUC_PRINTF (4, 5)
static gboolean
reject_line (FileParser  *fp,
             const char  *text,
             GError     **error,
             const char  *format,
             ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *line_text = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (fp->config->flags & BW_SSH_CONFIG_FLAGS_STRICT)
    {
      g_set_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_SYNTAX,
                   _("%s line %u: %s. ssh refuses this configuration; fix the line and try again."),
                   fp->file, fp->line, reason);
      return FALSE;
    }

  if (text == NULL)
    text = line_text = printable_text (fp->raw, fp->raw_length);
  add_skip (fp->config, fp->file, fp->line, text, TRUE, reason);
  return TRUE;
}

static Block *
get_block (BwSshConfig *config,
           guint        id)
{
  return g_ptr_array_index (config->blocks, id);
}

static guint
add_block (BwSshConfig *config,
           BlockKind    kind,
           guint        parent)
{
  Block *block = g_new0 (Block, 1);

  block->kind = kind;
  block->parent = parent;
  block->entries = g_array_new (FALSE, FALSE, sizeof (guint));
  g_ptr_array_add (config->blocks, block);

  return config->blocks->len - 1;
}

/* A Host or Match line ends the previous block even when we cannot use it: otherwise the
 * lines under it would wrongly land in the block before. */
static void
start_block (FileParser *fp,
             BlockKind   kind,
             gboolean    in_match)
{
  fp->block = add_block (fp->config, kind, fp->base_block);
  fp->in_match = in_match;
  if (kind == BLOCK_ALWAYS)
    g_array_append_val (fp->config->generic_blocks, fp->block);
}

static void
add_entry (FileParser *fp,
           Keyword     keyword,
           const char *value,
           int         number,
           const char *problem)
{
  Entry *entry = g_new0 (Entry, 1);
  guint id = fp->config->entries->len;

  entry->keyword = keyword;
  entry->file = fp->file;
  entry->line = fp->line;
  entry->value = g_strdup (value);
  entry->number = number;
  entry->problem = g_strdup (problem);
  g_ptr_array_add (fp->config->entries, entry);
  g_array_append_val (get_block (fp->config, fp->block)->entries, id);
}

static void
index_literal (BwSshConfig *config,
               const char  *pattern,
               guint        block)
{
  GArray *blocks = g_hash_table_lookup (config->literal_index, pattern);

  if (blocks == NULL)
    {
      blocks = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (config->literal_index, (gpointer) pattern, blocks);
    }
  if (blocks->len == 0 || g_array_index (blocks, guint, blocks->len - 1) != block)
    g_array_append_val (blocks, block);
}

static gboolean
parse_host (FileParser  *fp,
            GPtrArray   *args,
            GError     **error)
{
  BwSshConfig *config = fp->config;
  Block *block;

  for (guint i = 0; i < args->len; i++)
    {
      if (*(const char *) g_ptr_array_index (args, i) == '\0')
        {
          start_block (fp, BLOCK_NEVER, FALSE);
          return reject_line (fp, NULL, error, _("an empty Host pattern"));
        }
    }

  start_block (fp, BLOCK_HOST, FALSE);
  block = get_block (config, fp->block);
  block->patterns = g_ptr_array_new_full (args->len, g_free);
  block->literals = g_ptr_array_new ();
  block->wildcards = g_ptr_array_new ();
  block->negated = g_ptr_array_new ();

  for (guint i = 0; i < args->len; i++)
    {
      char *pattern = g_strdup (g_ptr_array_index (args, i));

      g_ptr_array_add (block->patterns, pattern);
      if (pattern[0] == '!')
        {
          g_ptr_array_add (block->negated, pattern + 1);
          skip_line (fp, pattern, _("negated Host pattern: not imported"));
        }
      else if (strpbrk (pattern, "*?") != NULL)
        {
          g_ptr_array_add (block->wildcards, pattern);
          skip_line (fp, pattern, _("wildcard Host pattern: not imported"));
        }
      else
        {
          Alias *alias = g_new0 (Alias, 1);

          g_ptr_array_add (block->literals, pattern);
          index_literal (config, pattern, fp->block);
          alias->name = g_strdup (pattern);
          alias->block = fp->block;
          alias->file = fp->file;
          alias->line = fp->line;
          g_ptr_array_add (config->aliases, alias);
        }
    }

  if (block->literals->len > 8)
    {
      block->literal_set = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < block->literals->len; i++)
        g_hash_table_add (block->literal_set, g_ptr_array_index (block->literals, i));
    }
  if (block->wildcards->len > 0)
    g_array_append_val (config->generic_blocks, fp->block);

  return TRUE;
}

static gboolean
parse_match (FileParser *fp,
             GPtrArray  *args)
{
  for (guint i = 0; i < args->len; i++)
    {
      const char *criterion = g_ptr_array_index (args, i);

      if (criterion[0] == '!')
        criterion++;
      /* ssh reads its configuration a second time when it sees these, matching Host
       * lines against the final host name then. We do the same (see resolve_host). */
      if (g_ascii_strcasecmp (criterion, "final") == 0 ||
          g_ascii_strcasecmp (criterion, "canonical") == 0)
        fp->config->wants_final_pass = TRUE;
    }

  if (args->len == 1 && g_ascii_strcasecmp (g_ptr_array_index (args, 0), "all") == 0)
    {
      start_block (fp, BLOCK_ALWAYS, FALSE);
      return TRUE;
    }

  start_block (fp, BLOCK_NEVER, TRUE);
  skip_line (fp, NULL, _("Match block: not evaluated; its lines are ignored"));
  return TRUE;
}

/* The glob pattern ssh builds: relative paths live in ~/.ssh (for user configurations,
 * also those given with -F), and glob(3) expands the tilde. The home directory is
 * escaped so that a "*" in it stays literal. */
static char *
include_pattern (BwSshConfig  *config,
                 const char   *path,
                 char        **why)
{
  g_autoptr(GString) pattern = g_string_new (NULL);

  if (path[0] == '/')
    return g_strdup (path);

  for (const char *p = config->home_dir; *p != '\0'; p++)
    {
      if (strchr ("*?[\\", *p) != NULL)
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }

  if (path[0] == '~')
    {
      const char *user = path + 1;
      gsize user_length = strcspn (user, "/");

      if (user_length > 0 &&
          (user_length != strlen (config->local_user) ||
           strncmp (user, config->local_user, user_length) != 0))
        {
          *why = g_strdup_printf (_("Include: “~%.*s” is another account’s home directory, which Banwatch does not look up"),
                                  (int) user_length, user);
          return NULL;
        }
      g_string_append (pattern, user + user_length);
    }
  else
    {
      g_string_append (pattern, "/.ssh/");
      g_string_append (pattern, path);
    }

  return g_string_free (g_steal_pointer (&pattern), FALSE);
}

/* ssh refuses included files that someone else could change (SSHCONF_CHECKPERM). Debian
 * relaxes this for a group that has the owner as its only member, so group-writable files
 * are reported without claiming ssh rejects them. */
static gboolean
check_permissions (FileParser         *fp,
                   const char         *text,
                   const char         *path,
                   const struct stat  *st,
                   GError            **error)
{
  if ((st->st_mode & S_IWOTH) != 0 || (st->st_uid != 0 && st->st_uid != getuid ()))
    return reject_line (fp, text, error,
                        _("ssh refuses to read “%s” because another user can change it (chmod go-w, or chown it to yourself)"),
                        path);

  if ((st->st_mode & S_IWGRP) != 0)
    skip_line (fp, text,
               _("“%s” is group-writable: upstream OpenSSH refuses it, Debian’s ssh only when the group has other members (chmod g-w); read anyway"),
               path);

  return TRUE;
}

static gboolean
include_file (FileParser  *fp,
              const char  *path,
              GError     **error)
{
  BwSshConfig *config = fp->config;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  struct stat st;

  /* Both checks before opening anything, so that an Include loop costs 17 reads. */
  if (fp->depth + 1 > MAX_INCLUDE_DEPTH)
    {
      g_set_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_TOO_DEEP,
                   _("%s line %u: Include nests more than %d files deep (does a file include itself?). ssh refuses this configuration too; remove the loop."),
                   fp->file, fp->line, MAX_INCLUDE_DEPTH);
      return FALSE;
    }
  if (++config->included_files > MAX_INCLUDED_FILES)
    {
      g_set_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_TOO_DEEP,
                   _("%s line %u: Include pulls in more than %d files; narrow the pattern."),
                   fp->file, fp->line, MAX_INCLUDED_FILES);
      return FALSE;
    }

  if (!read_config_file (path, &data, &length, &st, &local_error))
    {
      /* ssh skips missing files and reads nothing from a directory; any other failure
       * (permission denied, say) stops it. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
          g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ISDIR) ||
          g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
        {
          skip_line (fp, NULL, _("Include: file not readable: “%s”: %s"), path, local_error->message);
          return TRUE;
        }
      return reject_line (fp, NULL, error, _("Include: file not readable: “%s”: %s"),
                          path, local_error->message);
    }

  if (!check_permissions (fp, NULL, path, &st, error))
    return FALSE;

  return parse_text (config, intern_file (config, path), data, length,
                     fp->depth + 1, fp->block, error);
}

static gboolean
parse_include (FileParser  *fp,
               GPtrArray   *args,
               GError     **error)
{
  for (guint i = 0; i < args->len; i++)
    {
      if (*(const char *) g_ptr_array_index (args, i) == '\0')
        return reject_line (fp, NULL, error, _("an empty Include path"));
    }

  if (fp->config->flags & BW_SSH_CONFIG_FLAGS_NO_INCLUDE)
    {
      skip_line (fp, NULL, _("Include: not followed (reading included files is disabled here)"));
      return TRUE;
    }

  for (guint i = 0; i < args->len; i++)
    {
      const char *arg = g_ptr_array_index (args, i);
      g_autofree char *why = NULL;
      g_autofree char *pattern = include_pattern (fp->config, arg, &why);
      g_auto(glob_t) matches = { 0 };
      int rc;

      if (pattern == NULL)
        {
          skip_line (fp, arg, "%s", why);
          continue;
        }

      /* Sorted by bytes as ssh (in the C collation) sees them, not by our locale. */
      rc = glob (pattern, GLOB_NOSORT, NULL, &matches);
      if (rc == GLOB_NOMATCH)
        {
          skip_line (fp, arg, _("Include: no file matches “%s” (ssh ignores this silently)"), pattern);
          continue;
        }
      if (rc != 0)
        {
          if (!reject_line (fp, arg, error, _("Include: could not list the files for “%s”"), pattern))
            return FALSE;
          continue;
        }

      qsort (matches.gl_pathv, matches.gl_pathc, sizeof (char *), compare_strings);
      for (gsize j = 0; j < matches.gl_pathc; j++)
        {
          if (!include_file (fp, matches.gl_pathv[j], error))
            return FALSE;
        }
    }

  return TRUE;
}

/* ProxyCommand and ProxyJump take the rest of the line as it is, not split arguments. */
static gboolean
parse_proxy (FileParser  *fp,
             Keyword      keyword,
             const char  *keyword_text,
             const char  *rest,
             GError     **error)
{
  const char *value = rest + strspn (rest, WHITESPACE "=");
  g_autofree char *jump = NULL;

  if (keyword == KEYWORD_PROXY_COMMAND)
    {
      add_entry (fp, keyword, value, 0, NULL);
      return TRUE;
    }

  /* As parse_jump(): "none" is checked on the line as written (number 1 marks it), the
   * hosts after cutting a comment and trailing blanks. */
  if (g_ascii_strcasecmp (value, "none") == 0)
    {
      add_entry (fp, keyword, "none", 1, NULL);
      return TRUE;
    }

  jump = g_strndup (value, strcspn (value, "#"));
  g_strchomp (jump);
  if (*jump == '\0')
    {
      g_autofree char *problem = g_strdup_printf (_("“%s” has no host"), keyword_text);

      add_entry (fp, keyword, NULL, 0, problem);
      return reject_line (fp, NULL, error, "%s", problem);
    }

  add_entry (fp, keyword, jump, 0, NULL);
  return TRUE;
}

/* ssh checks IdentityAgent while reading, even in blocks that do not apply: each ${VAR}
 * must be closed and set, and the older "$VAR" form must be a plain name. */
static char *
check_agent_syntax (BwSshConfig *config,
                    const char  *arg)
{
  const char *p = arg;

  while ((p = strstr (p, "${")) != NULL)
    {
      const char *close = strchr (p + 2, '}');
      g_autofree char *name = NULL;

      if (close == NULL)
        return g_strdup_printf (_("IdentityAgent “%s”: “${” without a closing “}”"), arg);
      if (close == p + 2)
        return g_strdup_printf (_("IdentityAgent “%s”: an empty “${}”"), arg);

      name = g_strndup (p + 2, close - (p + 2));
      if (g_environ_getenv (config->envp, name) == NULL)
        return g_strdup_printf (_("IdentityAgent “%s”: the environment variable %s is not set"), arg, name);
      p = close + 1;
    }

  if (arg[0] == '$' && arg[1] != '{' && !valid_env_name (arg + 1))
    return g_strdup_printf (_("IdentityAgent “%s” is not a valid environment variable name"), arg);

  return NULL;
}

static gboolean
parse_option (FileParser  *fp,
              Keyword      keyword,
              const char  *keyword_text,
              GPtrArray   *args,
              GError     **error)
{
  const char *arg = args->len > 0 ? g_ptr_array_index (args, 0) : "";
  g_autofree char *problem = NULL;
  g_autofree char *why = NULL;
  g_autofree char *syntax_only = NULL;
  int number = 0;

  if (keyword == KEYWORD_IGNORE_UNKNOWN)
    {
      /* Simplified: ssh takes the first IgnoreUnknown that applies to the host; we let any
       * earlier one excuse an unknown keyword, since reporting is all we do with it. */
      if (*arg != '\0')
        g_ptr_array_add (fp->config->ignore_unknown, g_strdup (arg));
      return TRUE;
    }

  if (*arg == '\0')
    problem = g_strdup_printf (_("“%s” has no value"), keyword_text);
  else if (args->len > 1)
    problem = g_strdup_printf (_("“%s” takes one value, and ssh stops at the extra ones"), keyword_text);
  else if (keyword == KEYWORD_PORT && !parse_port (arg, &number))
    problem = g_strdup_printf (_("Port “%s” is not a number from 1 to 65535 (service names are not looked up)"), arg);
  else if (keyword == KEYWORD_IDENTITIES_ONLY && !parse_flag (arg, FALSE, &number))
    problem = g_strdup_printf (_("IdentitiesOnly “%s” is neither yes nor no"), arg);
  else if (keyword == KEYWORD_CANONICALIZE_HOSTNAME && !parse_flag (arg, TRUE, &number))
    problem = g_strdup_printf (_("CanonicalizeHostname “%s” is not yes, no or always"), arg);
  else if (keyword == KEYWORD_IDENTITY_AGENT)
    problem = check_agent_syntax (fp->config, arg);

  if (problem != NULL)
    {
      add_entry (fp, keyword, NULL, 0, problem);
      return reject_line (fp, NULL, error, "%s", problem);
    }

  add_entry (fp, keyword, arg, number, NULL);

  /* Tokens are only expanded when the value is used, and a bad one stops ssh for the hosts
   * it applies to: reported here, and noted on those hosts when they are resolved. */
  if (keyword == KEYWORD_HOSTNAME)
    syntax_only = expand_tokens (fp->config, arg, NULL, "h", FALSE, &why);
  else if (keyword == KEYWORD_IDENTITY_FILE || keyword == KEYWORD_IDENTITY_AGENT)
    syntax_only = expand_tokens (fp->config, arg, NULL, CLIENT_TOKENS, TRUE, &why);
  if (why != NULL)
    skip_line (fp, NULL, "%s", why);

  return TRUE;
}

static gboolean
parse_line (FileParser  *fp,
            GError     **error)
{
  g_autofree char *work = NULL;
  g_autofree char *lowercase = NULL;
  g_autoptr(GPtrArray) args = NULL;
  gboolean has_nul;
  gboolean unclosed = FALSE;
  gboolean starts_block;
  char *str;
  char *keyword;
  char *rest;
  gsize length;
  Keyword kw;

  /* ssh's getline() + strlen() stop at a NUL: the keyword is taken from the part before. */
  has_nul = memchr (fp->raw, '\0', fp->raw_length) != NULL;
  work = g_strndup (fp->raw, fp->raw_length);

  /* ssh strips trailing whitespace and form feeds, except the first character. */
  length = strlen (work);
  while (length > 1 && strchr (WHITESPACE "\f", work[length - 1]) != NULL)
    work[--length] = '\0';

  str = work;
  keyword = next_word (&str, &unclosed);
  if (keyword != NULL && *keyword == '\0')
    keyword = next_word (&str, &unclosed);

  if (unclosed)
    {
      skip_line (fp, NULL, _("unclosed quote in the keyword: ssh ignores this line"));
      return TRUE;
    }
  if (keyword == NULL || *keyword == '\0' || *keyword == '#')
    {
      if (has_nul)
        skip_line (fp, NULL, _("contains a NUL byte: line skipped"));
      return TRUE;
    }

  lowercase = g_ascii_strdown (keyword, -1);
  kw = lookup_keyword (lowercase);
  starts_block = kw == KEYWORD_HOST || kw == KEYWORD_MATCH;

  if (fp->in_match && !starts_block)
    {
      if (kw == KEYWORD_INCLUDE)
        skip_line (fp, NULL, _("Include inside a Match block: not followed"));
      return TRUE;
    }

  if (has_nul || !g_utf8_validate (fp->raw, fp->raw_length, NULL))
    {
      if (starts_block)
        start_block (fp, BLOCK_NEVER, kw == KEYWORD_MATCH);
      skip_line (fp, NULL, "%s",
                 has_nul ? (starts_block ? _("contains a NUL byte: line skipped, and the block it starts is ignored")
                                         : _("contains a NUL byte: line skipped"))
                         : (starts_block ? _("not valid UTF-8: line skipped, and the block it starts is ignored")
                                         : _("not valid UTF-8: line skipped")));
      return TRUE;
    }

  rest = str != NULL ? str + strspn (str, WHITESPACE) : NULL;
  if (rest == NULL || *rest == '\0')
    {
      if (starts_block)
        start_block (fp, BLOCK_NEVER, kw == KEYWORD_MATCH);
      if (keyword_holds_value (kw))
        {
          g_autofree char *problem = g_strdup_printf (_("“%s” has no value"), keyword);

          add_entry (fp, kw, NULL, 0, problem);
        }
      return reject_line (fp, NULL, error, _("“%s” has no value"), keyword);
    }

  args = split_arguments (rest);
  if (args == NULL)
    {
      if (starts_block)
        start_block (fp, BLOCK_NEVER, kw == KEYWORD_MATCH);
      if (keyword_holds_value (kw))
        add_entry (fp, kw, NULL, 0, _("a quote is not closed"));
      return reject_line (fp, NULL, error, _("a quote is not closed"));
    }

  switch (kw)
    {
    case KEYWORD_UNKNOWN:
      for (guint i = 0; i < fp->config->ignore_unknown->len; i++)
        {
          if (pattern_list_match (lowercase, g_ptr_array_index (fp->config->ignore_unknown, i)))
            return TRUE;
        }
      return reject_line (fp, NULL, error,
                          _("unknown keyword “%s” (a typo? IgnoreUnknown can list keywords only another ssh knows)"),
                          keyword);
    case KEYWORD_OTHER:
      return TRUE;
    case KEYWORD_HOST:
      return parse_host (fp, args, error);
    case KEYWORD_MATCH:
      return parse_match (fp, args);
    case KEYWORD_INCLUDE:
      return parse_include (fp, args, error);
    case KEYWORD_PROXY_JUMP:
    case KEYWORD_PROXY_COMMAND:
      return parse_proxy (fp, kw, keyword, rest, error);
    case KEYWORD_HOSTNAME:
    case KEYWORD_PORT:
    case KEYWORD_USER:
    case KEYWORD_IDENTITY_FILE:
    case KEYWORD_IDENTITIES_ONLY:
    case KEYWORD_IDENTITY_AGENT:
    case KEYWORD_HOST_KEY_ALIAS:
    case KEYWORD_CANONICALIZE_HOSTNAME:
    case KEYWORD_IGNORE_UNKNOWN:
    default:
      return parse_option (fp, kw, keyword, args, error);
    }
}

static gboolean
parse_text (BwSshConfig  *config,
            const char   *file,
            const char   *data,
            gsize         length,
            guint         depth,
            guint         base_block,
            GError      **error)
{
  FileParser fp = {
    .config = config,
    .file = file,
    .depth = depth,
    .base_block = base_block,
    .block = base_block,
  };
  const char *end = data + length;
  const char *p = data;
  gboolean bom = length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0;

  if (bom)
    p += 3;

  while (p < end)
    {
      const char *newline = memchr (p, '\n', end - p);
      const char *line_end = newline != NULL ? newline : end;

      fp.line++;
      fp.raw = p;
      fp.raw_length = line_end - p;

      /* Editors on Windows add it; ssh reads it as part of the first keyword and stops. */
      if (bom && fp.line == 1 &&
          !reject_line (&fp, NULL, error,
                        _("the file starts with a UTF-8 byte order mark, which ssh cannot read (save it without one); Banwatch ignored the mark")))
        return FALSE;

      if (!parse_line (&fp, error))
        return FALSE;

      p = newline != NULL ? newline + 1 : end;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Resolving a host                                                                     */

static gboolean
block_applies_itself (const Block *block,
                      const char  *host)
{
  switch (block->kind)
    {
    case BLOCK_ALWAYS:
      return TRUE;
    case BLOCK_NEVER:
      return FALSE;
    case BLOCK_HOST:
    default:
      break;
    }

  /* ssh stops at the first negated match, whatever the order of the patterns. */
  for (guint i = 0; i < block->negated->len; i++)
    {
      if (pattern_match (host, g_ptr_array_index (block->negated, i)))
        return FALSE;
    }

  if (block->literal_set != NULL)
    {
      if (g_hash_table_contains (block->literal_set, host))
        return TRUE;
    }
  else
    {
      for (guint i = 0; i < block->literals->len; i++)
        {
          if (strcmp (host, g_ptr_array_index (block->literals, i)) == 0)
            return TRUE;
        }
    }

  for (guint i = 0; i < block->wildcards->len; i++)
    {
      if (pattern_match (host, g_ptr_array_index (block->wildcards, i)))
        return TRUE;
    }

  return FALSE;
}

/* Recursion depth is bounded by the Include depth: a parent is always in a shallower file. */
static gboolean
block_applies (BwSshConfig *config,
               GHashTable  *memo,
               const char  *host,
               guint        id)
{
  gpointer cached = g_hash_table_lookup (memo, GUINT_TO_POINTER (id));
  const Block *block;
  gboolean applies;

  if (cached != NULL)
    return GPOINTER_TO_INT (cached) == 2;

  block = get_block (config, id);
  applies = block_applies_itself (block, host) &&
            (block->parent == NO_BLOCK || block_applies (config, memo, host, block->parent));
  g_hash_table_insert (memo, GUINT_TO_POINTER (id), GINT_TO_POINTER (applies ? 2 : 1));

  return applies;
}

static void
consider_block (BwSshConfig *config,
                GHashTable  *memo,
                GHashTable  *seen,
                const char  *host,
                guint        id,
                GArray      *entries)
{
  const Block *block = get_block (config, id);

  if (!g_hash_table_add (seen, GUINT_TO_POINTER (id)))
    return;
  if (block_applies (config, memo, host, id))
    g_array_append_vals (entries, block->entries->data, block->entries->len);
}

/* The entries ssh would apply for this host, in file order. Only blocks that name the host
 * literally or have a wildcard are looked at, so resolving every alias of a large
 * generated config stays linear. */
static GArray *
collect_entries (BwSshConfig *config,
                 const char  *host)
{
  g_autoptr(GHashTable) memo = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (guint));
  GArray *literal_blocks = g_hash_table_lookup (config->literal_index, host);

  if (literal_blocks != NULL)
    {
      for (guint i = 0; i < literal_blocks->len; i++)
        consider_block (config, memo, seen, host, g_array_index (literal_blocks, guint, i), entries);
    }
  for (guint i = 0; i < config->generic_blocks->len; i++)
    consider_block (config, memo, seen, host, g_array_index (config->generic_blocks, guint, i), entries);

  g_array_sort (entries, compare_uints);
  return g_steal_pointer (&entries);
}

typedef struct {
  BwSshConfig *config;
  const Entry *hostname;
  const Entry *port;
  const Entry *user;
  const Entry *identities_only;
  const Entry *identity_agent;
  const Entry *proxy_jump;
  const Entry *proxy_command;
  gboolean     proxy_command_by_jump;
  const Entry *host_key_alias;
  const Entry *canonicalize;
  gboolean     hostname_fixed;
  gboolean     too_many_noted;
  GPtrArray   *identity_files;  /* const Entry*, first of each distinct value */
  GHashTable  *identity_seen;   /* value, borrowed from the entries */
  GHashTable  *noted;           /* Entry* whose problem is already in the notes */
  GPtrArray   *notes;
} Resolution;

static void
resolution_clear (Resolution *res)
{
  g_clear_pointer (&res->identity_files, g_ptr_array_unref);
  g_clear_pointer (&res->identity_seen, g_hash_table_unref);
  g_clear_pointer (&res->noted, g_hash_table_unref);
  g_clear_pointer (&res->notes, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Resolution, resolution_clear)

G_GNUC_PRINTF (2, 3)
static void
add_note (Resolution *res,
          const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (res->notes, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
take_first (const Entry **slot,
            const Entry  *entry)
{
  if (*slot == NULL)
    *slot = entry;
}

/* One option line, with ssh's rule: the first value obtained wins. */
static void
apply_entry (Resolution  *res,
             const Entry *entry)
{
  if (entry->problem != NULL)
    {
      if (g_hash_table_add (res->noted, (gpointer) entry))
        add_note (res, _("%s line %u: %s; ssh refuses this configuration, and Banwatch ignored the line"),
                  entry->file, entry->line, entry->problem);
      return;
    }

  switch (entry->keyword)
    {
    case KEYWORD_HOSTNAME:
      if (!res->hostname_fixed)
        take_first (&res->hostname, entry);
      break;
    case KEYWORD_PORT:
      take_first (&res->port, entry);
      break;
    case KEYWORD_USER:
      take_first (&res->user, entry);
      break;
    case KEYWORD_IDENTITIES_ONLY:
      take_first (&res->identities_only, entry);
      break;
    case KEYWORD_IDENTITY_AGENT:
      take_first (&res->identity_agent, entry);
      break;
    case KEYWORD_HOST_KEY_ALIAS:
      take_first (&res->host_key_alias, entry);
      break;
    case KEYWORD_CANONICALIZE_HOSTNAME:
      take_first (&res->canonicalize, entry);
      break;
    case KEYWORD_IDENTITY_FILE:
      /* Cumulative, and deduplicated on the text as written, before expansion. */
      if (res->identity_files->len >= MAX_IDENTITY_FILES)
        {
          if (!res->too_many_noted)
            add_note (res, _("%s line %u: more than %d IdentityFile lines apply; ssh stops with an error"),
                      entry->file, entry->line, MAX_IDENTITY_FILES);
          res->too_many_noted = TRUE;
        }
      else if (g_hash_table_add (res->identity_seen, entry->value))
        {
          g_ptr_array_add (res->identity_files, (gpointer) entry);
        }
      break;
    case KEYWORD_PROXY_JUMP:
      /* As OpenSSH 10.3, backported to Debian 12's 9.2p1-2+deb12u10: "ProxyJump none"
       * only keeps later ProxyJump lines out; a real jump also disables any later
       * ProxyCommand, and an earlier ProxyCommand (even "none") disables it. */
      if (entry->number == 1)
        take_first (&res->proxy_jump, entry);
      else if (res->proxy_jump == NULL && res->proxy_command == NULL && !res->proxy_command_by_jump)
        {
          res->proxy_jump = entry;
          res->proxy_command_by_jump = TRUE;
        }
      break;
    case KEYWORD_PROXY_COMMAND:
      if (!res->proxy_command_by_jump)
        take_first (&res->proxy_command, entry);
      break;
    case KEYWORD_UNKNOWN:
    case KEYWORD_OTHER:
    case KEYWORD_HOST:
    case KEYWORD_MATCH:
    case KEYWORD_INCLUDE:
    case KEYWORD_IGNORE_UNKNOWN:
    default:
      break;
    }
}

static void
run_pass (Resolution *res,
          const char *host)
{
  g_autoptr(GArray) entries = collect_entries (res->config, host);

  for (guint i = 0; i < entries->len; i++)
    apply_entry (res, g_ptr_array_index (res->config->entries, g_array_index (entries, guint, i)));
}

static char *
connection_hash (const char *local_host,
                 const char *host,
                 const char *port,
                 const char *user)
{
  g_autofree char *joined = g_strconcat (local_host, host, port, user, NULL);

  /* ssh_connection_hash() in OpenSSH 9.2: SHA-1 of %l%h%p%r, in hex. */
  return g_compute_checksum_for_string (G_CHECKSUM_SHA1, joined, -1);
}

static BwSshConfigHost *
resolve_host (BwSshConfig *config,
              const char  *host_arg)
{
  g_autoptr(BwSshConfigHost) host = g_new0 (BwSshConfigHost, 1);
  g_auto(Resolution) res = {
    .config = config,
    .identity_files = g_ptr_array_new (),
    .identity_seen = g_hash_table_new (g_str_hash, g_str_equal),
    .noted = g_hash_table_new (NULL, NULL),
    .notes = g_ptr_array_new_with_free_func (g_free),
  };
  g_autofree char *expanded_name = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *uid_text = NULL;
  g_autofree char *short_host = NULL;
  g_autofree char *key_alias = NULL;
  g_autofree char *hash = NULL;
  const char *tokens[128] = { NULL };
  const char *remote_user;
  gboolean identity_none = FALSE;

  run_pass (&res, host_arg);

  /* ssh expands only %h (the name as typed) in HostName, then lowercases. */
  if (res.hostname != NULL)
    {
      const char *hostname_tokens[128] = { NULL };
      g_autofree char *why = NULL;

      hostname_tokens['h'] = host_arg;
      expanded_name = expand_tokens (config, res.hostname->value, hostname_tokens, "h", FALSE, &why);
      if (expanded_name == NULL)
        add_note (&res, _("%s line %u: HostName “%s” not used: %s (ssh refuses to connect)"),
                  res.hostname->file, res.hostname->line, res.hostname->value, why);
    }
  host->hostname = canonical_host_name (expanded_name != NULL ? expanded_name : host_arg);

  /* ssh reads the configuration again when CanonicalizeHostname is on or a Match asks
   * for a final pass, and Host lines then match the host name instead of the alias. */
  if (res.canonicalize != NULL && res.canonicalize->number != 0)
    add_note (&res, _("CanonicalizeHostname is on: ssh may rewrite “%s” through DNS; Banwatch shows it unchanged"),
              host->hostname);
  if (config->wants_final_pass || (res.canonicalize != NULL && res.canonicalize->number != 0))
    {
      res.hostname_fixed = TRUE;
      run_pass (&res, host->hostname);
    }

  host->alias = g_strdup (host_arg);
  host->port = res.port != NULL ? (guint16) res.port->number : 0;
  host->user = res.user != NULL ? g_strdup (res.user->value) : NULL;
  host->identities_only = res.identities_only != NULL ? res.identities_only->number : -1;
  host->identity_files = g_ptr_array_new_with_free_func (g_free);
  host->tried_identity_files = g_ptr_array_new_with_free_func (g_free);

  /* The token values of ssh.c's ssh_conn_info, as they are when IdentityFile is read. */
  port_text = g_strdup_printf ("%u", host->port != 0 ? host->port : DEFAULT_PORT);
  uid_text = g_strdup_printf ("%lu", (gulong) getuid ());
  short_host = g_strndup (config->local_host, strcspn (config->local_host, "."));
  remote_user = host->user != NULL ? host->user : config->local_user;
  key_alias = res.host_key_alias != NULL ? g_ascii_strdown (res.host_key_alias->value, -1)
                                         : g_strdup (host_arg);
  hash = connection_hash (config->local_host, host->hostname, port_text, remote_user);
  tokens['C'] = hash;
  tokens['L'] = short_host;
  tokens['i'] = uid_text;
  tokens['k'] = key_alias;
  tokens['l'] = config->local_host;
  tokens['n'] = host_arg;
  tokens['p'] = port_text;
  tokens['d'] = config->home_dir;
  tokens['h'] = host->hostname;
  tokens['r'] = remote_user;
  tokens['u'] = config->local_user;

  for (guint i = 0; i < res.identity_files->len; i++)
    {
      const Entry *entry = g_ptr_array_index (res.identity_files, i);
      g_autofree char *why = NULL;
      g_autofree char *tilde = NULL;
      char *path = NULL;

      if (g_ascii_strcasecmp (entry->value, "none") == 0)
        {
          identity_none = TRUE;
          continue;
        }

      tilde = expand_tilde (config, entry->value, &why);
      if (tilde != NULL)
        path = expand_tokens (config, tilde, tokens, CLIENT_TOKENS, TRUE, &why);
      if (path == NULL)
        {
          add_note (&res, _("%s line %u: IdentityFile “%s” not used: %s (ssh refuses to connect)"),
                    entry->file, entry->line, entry->value, why);
          continue;
        }
      g_ptr_array_add (host->identity_files, path);
      g_ptr_array_add (host->tried_identity_files, g_strdup (path));
    }

  if (res.identity_files->len == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (default_identity_files); i++)
        {
          g_autofree char *why = NULL;

          /* Never fails: the defaults start with "~/". */
          g_ptr_array_add (host->tried_identity_files,
                           expand_tilde (config, default_identity_files[i], &why));
        }
    }

  if (res.identity_agent != NULL)
    {
      g_autofree char *why = NULL;
      g_autofree char *tilde = expand_tilde (config, res.identity_agent->value, &why);
      g_autofree char *agent = NULL;

      if (tilde != NULL)
        agent = expand_tokens (config, tilde, tokens, CLIENT_TOKENS, TRUE, &why);

      if (agent == NULL)
        {
          add_note (&res, _("%s line %u: IdentityAgent “%s” not used: %s (ssh refuses to connect)"),
                    res.identity_agent->file, res.identity_agent->line, res.identity_agent->value, why);
        }
      else if (agent[0] == '$' && agent[1] != '{')
        {
          /* The older "$VAR" form: ssh takes the socket from that variable, and runs
           * without an agent when it is unset. */
          const char *socket = g_environ_getenv (config->envp, agent + 1);

          if (strcmp (agent + 1, "SSH_AUTH_SOCK") == 0)
            host->identity_agent = g_strdup ("SSH_AUTH_SOCK");
          else if (socket != NULL)
            host->identity_agent = g_strdup (socket);
          else
            {
              host->identity_agent = g_strdup ("none");
              add_note (&res, _("IdentityAgent %s: the variable is not set, so ssh uses no agent"), agent);
            }
        }
      else
        {
          host->identity_agent = g_steal_pointer (&agent);
        }
    }

  if (res.proxy_jump != NULL && res.proxy_jump->number != 1)
    {
      host->proxy_jump = g_strdup (res.proxy_jump->value);
      add_note (&res, _("ProxyJump %s: Banwatch cannot probe through jump hosts"), host->proxy_jump);
    }
  if (res.proxy_command != NULL && g_ascii_strcasecmp (res.proxy_command->value, "none") != 0)
    {
      host->proxy_command = g_strdup (res.proxy_command->value);
      add_note (&res, "%s", _("ProxyCommand: Banwatch cannot probe through a proxy command"));
    }

  if (identity_none)
    add_note (&res, "%s", _("IdentityFile none: ssh tries no key file from disk"));
  if (host->identity_files->len == 0)
    add_note (&res, "%s", _("no IdentityFile: a key must be chosen before Banwatch can probe (it never uses the agent)"));

  host->notes = g_steal_pointer (&res.notes);
  return g_steal_pointer (&host);
}

/* A name may be written in several Host lines; the host is listed where the first one
 * that can apply is. One that never applies ("Host a !a", or a Host line in a file
 * included from a block that excludes it) is reported when no other line saves it. */
static void
collect_hosts (BwSshConfig *config)
{
  g_autoptr(GHashTable) unreachable = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) unreachable_order = g_ptr_array_new ();

  for (guint i = 0; i < config->aliases->len; i++)
    {
      Alias *alias = g_ptr_array_index (config->aliases, i);
      g_autoptr(GHashTable) memo = NULL;
      BwSshConfigHost *host;

      if (g_hash_table_contains (config->alias_source, alias->name))
        continue;

      memo = g_hash_table_new (NULL, NULL);
      if (!block_applies (config, memo, alias->name, alias->block))
        {
          if (g_hash_table_insert (unreachable, alias->name, alias))
            g_ptr_array_add (unreachable_order, alias);
          continue;
        }

      g_hash_table_insert (config->alias_source, alias->name, alias);
      host = resolve_host (config, alias->name);
      host->source_file = g_strdup (alias->file);
      host->source_line = alias->line;
      g_ptr_array_add (config->hosts, host);
    }

  for (guint i = 0; i < unreachable_order->len; i++)
    {
      const Alias *alias = g_ptr_array_index (unreachable_order, i);

      if (!g_hash_table_contains (config->alias_source, alias->name))
        add_skip (config, alias->file, alias->line, alias->name, FALSE,
                  _("Host pattern never applies: a negated pattern or the block around its Include excludes it"));
    }
}

/* ------------------------------------------------------------------------------------ */
/* Public API                                                                           */

static BwSshConfig *
config_new (const BwSshConfigContext *ctx)
{
  BwSshConfig *config = g_new0 (BwSshConfig, 1);
  const char *home_dir = ctx != NULL ? ctx->home_dir : NULL;
  const char *local_user = ctx != NULL ? ctx->local_user : NULL;
  const char *local_host = ctx != NULL ? ctx->local_host : NULL;
  guint root;

  config->home_dir = g_strdup (home_dir != NULL ? home_dir : g_get_home_dir ());
  config->local_user = g_strdup (local_user != NULL ? local_user : g_get_user_name ());
  config->local_host = g_strdup (local_host != NULL ? local_host : g_get_host_name ());
  config->envp = ctx != NULL && ctx->envp != NULL ? g_strdupv (ctx->envp) : g_get_environ ();
  config->flags = ctx != NULL ? ctx->flags : BW_SSH_CONFIG_FLAGS_NONE;

  config->files = g_ptr_array_new_with_free_func (g_free);
  config->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) block_free);
  config->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  config->aliases = g_ptr_array_new_with_free_func ((GDestroyNotify) alias_free);
  config->alias_source = g_hash_table_new (g_str_hash, g_str_equal);
  config->literal_index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify) g_array_unref);
  config->generic_blocks = g_array_new (FALSE, FALSE, sizeof (guint));
  config->ignore_unknown = g_ptr_array_new_with_free_func (g_free);
  config->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_ssh_config_host_free);
  config->skipped = g_ptr_array_new_with_free_func ((GDestroyNotify) skip_free);

  /* Options before the first Host line apply to every host. */
  root = add_block (config, BLOCK_ALWAYS, NO_BLOCK);
  g_assert (root == ROOT_BLOCK);
  g_array_append_val (config->generic_blocks, root);

  return config;
}

static BwSshConfig *
load (BwSshConfig  *owned_config,
      const char   *file,
      const char   *data,
      gsize         length,
      GError      **error)
{
  g_autoptr(BwSshConfig) config = owned_config;

  if (!parse_text (config, file, data, length, 0, ROOT_BLOCK, error))
    return NULL;

  collect_hosts (config);
  return g_steal_pointer (&config);
}

/**
 * bw_ssh_config_load_file:
 * @path: an ssh_config file, typically ~/.ssh/config
 * @ctx: (nullable): home, users and flags; %NULL for this process's
 * @error: %BW_SSH_CONFIG_ERROR_IO if @path cannot be read, %BW_SSH_CONFIG_ERROR_TOO_DEEP
 *   for an Include loop, %BW_SSH_CONFIG_ERROR_SYNTAX in strict mode
 *
 * Reads @path and the files it includes as ssh would for any host. Problems in lines are
 * not errors: they are listed by bw_ssh_config_get_skipped().
 *
 * Returns: (transfer full) (nullable): the configuration
 */
BwSshConfig *
bw_ssh_config_load_file (const char                *path,
                         const BwSshConfigContext  *ctx,
                         GError                   **error)
{
  g_autoptr(BwSshConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *user_config = NULL;
  g_autofree char *canonical = NULL;
  const char *file;
  gsize length = 0;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  config = config_new (ctx);
  if (!read_config_file (path, &data, &length, &st, &local_error))
    {
      g_set_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_IO,
                   _("Could not read the SSH configuration “%s”: %s. Check the path and its permissions."),
                   path, local_error->message);
      return NULL;
    }

  /* ssh checks the owner and mode of ~/.ssh/config (not of a file given with -F). */
  user_config = g_build_filename (config->home_dir, ".ssh", "config", NULL);
  canonical = g_canonicalize_filename (path, NULL);
  file = intern_file (config, path);
  if (strcmp (canonical, user_config) == 0)
    {
      FileParser fp = { .config = config, .file = file };

      if (!check_permissions (&fp, path, path, &st, error))
        return NULL;
    }

  return load (g_steal_pointer (&config), file, data, length, error);
}

/**
 * bw_ssh_config_load_data:
 * @data: the configuration text; need not be NUL-terminated when @length is given
 * @length: the length of @data, or -1 if it is NUL-terminated
 * @origin: (nullable): the file name used in messages and skip entries
 * @ctx: (nullable): home, users and flags; %NULL for this process's
 * @error: as for bw_ssh_config_load_file()
 *
 * Like bw_ssh_config_load_file() for text already in memory. Relative Include paths are
 * taken from the context's ~/.ssh as ssh does for every user configuration (also one
 * given with -F), not from @origin's directory.
 *
 * Returns: (transfer full) (nullable): the configuration
 */
BwSshConfig *
bw_ssh_config_load_data (const char                *data,
                         gssize                     length,
                         const char                *origin,
                         const BwSshConfigContext  *ctx,
                         GError                   **error)
{
  g_autoptr(BwSshConfig) config = NULL;
  const char *file;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length < 0)
    length = strlen (data);

  config = config_new (ctx);
  file = intern_file (config, origin != NULL ? origin : "(data)");

  return load (g_steal_pointer (&config), file, data, length, error);
}

/**
 * bw_ssh_config_free:
 * @config: (nullable): a configuration
 */
void
bw_ssh_config_free (BwSshConfig *config)
{
  if (config == NULL)
    return;

  g_clear_pointer (&config->hosts, g_ptr_array_unref);
  g_clear_pointer (&config->skipped, g_ptr_array_unref);
  g_clear_pointer (&config->literal_index, g_hash_table_unref);
  g_clear_pointer (&config->alias_source, g_hash_table_unref);
  g_clear_pointer (&config->aliases, g_ptr_array_unref);
  g_clear_pointer (&config->generic_blocks, g_array_unref);
  g_clear_pointer (&config->blocks, g_ptr_array_unref);
  g_clear_pointer (&config->entries, g_ptr_array_unref);
  g_clear_pointer (&config->ignore_unknown, g_ptr_array_unref);
  g_clear_pointer (&config->files, g_ptr_array_unref);
  g_clear_pointer (&config->envp, g_strfreev);
  g_clear_pointer (&config->home_dir, g_free);
  g_clear_pointer (&config->local_user, g_free);
  g_clear_pointer (&config->local_host, g_free);
  g_free (config);
}

/**
 * bw_ssh_config_get_hosts:
 * @config: a configuration
 *
 * One entry per literal alias (a Host pattern without wildcards or "!"), in the order ssh
 * reads them, each resolved as `ssh ALIAS` would resolve it.
 *
 * Returns: (transfer none) (element-type BwSshConfigHost): the hosts
 */
GPtrArray *
bw_ssh_config_get_hosts (BwSshConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return config->hosts;
}

/**
 * bw_ssh_config_get_skipped:
 * @config: a configuration
 *
 * Returns: (transfer none) (element-type BwSshConfigSkip): what was left out, and why
 */
GPtrArray *
bw_ssh_config_get_skipped (BwSshConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return config->skipped;
}

/**
 * bw_ssh_config_resolve:
 * @config: a configuration
 * @host: the host as it would be given to ssh (without "user@")
 *
 * The options `ssh HOST` would use. source_file is the first Host line naming @host
 * literally that applies, or %NULL when only wildcards (or nothing) apply.
 *
 * Returns: (transfer full): the resolved host; free with bw_ssh_config_host_free()
 */
BwSshConfigHost *
bw_ssh_config_resolve (BwSshConfig *config,
                       const char  *host)
{
  BwSshConfigHost *resolved;
  const Alias *alias;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  resolved = resolve_host (config, host);
  alias = g_hash_table_lookup (config->alias_source, host);
  if (alias != NULL)
    {
      resolved->source_file = g_strdup (alias->file);
      resolved->source_line = alias->line;
    }

  return resolved;
}

/**
 * bw_ssh_config_host_free:
 * @host: (nullable): a host from bw_ssh_config_resolve()
 */
void
bw_ssh_config_host_free (BwSshConfigHost *host)
{
  if (host == NULL)
    return;

  g_clear_pointer (&host->identity_files, g_ptr_array_unref);
  g_clear_pointer (&host->tried_identity_files, g_ptr_array_unref);
  g_clear_pointer (&host->notes, g_ptr_array_unref);
  g_free (host->alias);
  g_free (host->hostname);
  g_free (host->user);
  g_free (host->identity_agent);
  g_free (host->proxy_jump);
  g_free (host->proxy_command);
  g_free (host->source_file);
  g_free (host);
}
