// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "core/bw-validate.h"

typedef struct {
  const char *input;
  const char *normalised;  /* NULL: must be rejected */
  const char *message;     /* a substring of the error message when rejected */
} HostCase;

static const HostCase host_cases[] = {
  { "example.com", "example.com", NULL },
  { "Example.COM", "example.com", NULL },
  { "sv1234.xserver.jp", "sv1234.xserver.jp", NULL },
  { "example.com.", "example.com.", NULL },
  { "localhost", "localhost", NULL },
  { "10.231.0.1", "10.231.0.1", NULL },
  { "::1", "::1", NULL },
  { "[::1]", "::1", NULL },
  { "[2001:db8::1]", "2001:db8::1", NULL },
  { "bücher.example", "xn--bcher-kva.example", NULL },
  { "例え.テスト", "xn--r8jz45g.xn--zckzah", NULL },
  { "", NULL, "empty" },
  { "-oProxyCommand=x", NULL, "starts with “-”" },
  { "exa mple.com", NULL, "a space" },
  { "example.com\n", NULL, "a line break" },
  { "ex\tample", NULL, "a tab" },
  { "example.com;rm", NULL, "“;”" },
  { "$(reboot)", NULL, "“$”" },
  { "`id`", NULL, "“`”" },
  { "a|b", NULL, "“|”" },
  { "user@host", NULL, "“@”" },
  { "host:22", NULL, "give the port separately" },
  { "[::1", NULL, "does not close it" },
  { "[nothex::zz]", NULL, "not a valid IPv6 address" },
  { "1.2.3", NULL, "not a valid IPv4 address" },
  { "256.1.1.1", NULL, "not a valid IPv4 address" },
  { "a..b", NULL, "empty label" },
  { ".example", NULL, "empty label" },
  { "-a.example", NULL, "starts with “-”" },
  { "a-.example", NULL, "starts or ends with “-”" },
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL, "longer than 63" },
  { "a/b", NULL, "“/”" },
};

static void
test_hosts (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (host_cases); i++)
    {
      const HostCase *c = &host_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *result = bw_validate_host (c->input, &error);

      g_test_message ("host %u: “%s”", i, c->input);
      if (c->normalised != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (result, ==, c->normalised);
        }
      else
        {
          g_assert_null (result);
          g_assert_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST);
          g_assert_nonnull (strstr (error->message, c->message));
        }
    }
}

static void
test_long_host (void)
{
  g_autoptr(GString) name = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  for (guint i = 0; i < 50; i++)
    g_string_append (name, "abcd.");
  g_string_append (name, "example");

  result = bw_validate_host (name->str, &error);
  g_assert_null (result);
  g_assert_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_HOST);
  g_assert_nonnull (strstr (error->message, "longer than 253"));
}

static const struct {
  const char *input;
  guint       port;
  const char *message;
} port_cases[] = {
  { "22", 22, NULL },
  { "10022", 10022, NULL },
  { "1", 1, NULL },
  { "65535", 65535, NULL },
  { "0", 0, "between 1 and 65535" },
  { "65536", 0, "between 1 and 65535" },
  { "-1", 0, "between 1 and 65535" },
  { "+22", 0, "between 1 and 65535" },
  { "abc", 0, "between 1 and 65535" },
  { "22 ", 0, "between 1 and 65535" },
  { " 22", 0, "between 1 and 65535" },
  { "0x16", 0, "between 1 and 65535" },
  { "99999999999999999999", 0, "between 1 and 65535" },
  { "", 0, "empty" },
};

static void
test_ports (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (port_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint16 port = 0;
      gboolean ok = bw_validate_port (port_cases[i].input, &port, &error);

      g_test_message ("port “%s”", port_cases[i].input);
      if (port_cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpuint (port, ==, port_cases[i].port);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_PORT);
          g_assert_nonnull (strstr (error->message, port_cases[i].message));
        }
    }
}

static const struct {
  const char *input;
  const char *message;
} user_cases[] = {
  { "root", NULL },
  { "layer2024", NULL },
  { "web.user-1_2", NULL },
  { "user@example.com", NULL },
  { "ユーザー", NULL },
  { "", "empty" },
  { "-oProxyCommand", "starts with “-”" },
  { "a b", "a space" },
  { "a\nb", "a line break" },
  { "a;b", "“;”" },
  { "a$b", "“$”" },
  { "a`b", "“`”" },
  { "a'b", "“'”" },
  { "a\"b", "“\"”" },
  { "a\\b", "“\\”" },
};

static void
test_users (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (user_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = bw_validate_user (user_cases[i].input, &error);

      g_test_message ("user “%s”", user_cases[i].input);
      if (user_cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_USER);
          g_assert_nonnull (strstr (error->message, user_cases[i].message));
        }
    }
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bw_validate_name ("株式会社サンプル 本番", &error));
  g_assert_no_error (error);
  g_assert_true (bw_validate_name ("Client; Shop $1", &error));
  g_assert_no_error (error);

  g_assert_false (bw_validate_name ("", &error));
  g_assert_error (error, BW_VALIDATE_ERROR, BW_VALIDATE_ERROR_NAME);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_assert_false (bw_validate_name ("   ", &error));
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_assert_false (bw_validate_name ("a\nb", &error));
  g_assert_nonnull (strstr (error->message, "control character"));
  g_clear_error (&error);

  g_assert_false (bw_validate_name ("\xff\xfe", &error));
  g_assert_nonnull (strstr (error->message, "UTF-8"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/validate/hosts", test_hosts);
  g_test_add_func ("/validate/long-host", test_long_host);
  g_test_add_func ("/validate/ports", test_ports);
  g_test_add_func ("/validate/users", test_users);
  g_test_add_func ("/validate/names", test_names);

  return g_test_run ();
}
