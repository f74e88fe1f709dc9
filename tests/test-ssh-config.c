// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "core/bw-ssh-config.h"

/*
 * Every fixture under tests/ssh-config/ is copied into a fake home's .ssh directory, so
 * that relative Includes resolve there for us and for ssh alike, and nothing depends on
 * the real ~. Each case states what the parser must find; most are then checked against
 * OpenSSH itself: `ssh -G` prints the options it resolved without connecting, and
 * `ssh -v` with a ProxyCommand of `false` prints the key files it expanded, without any
 * network traffic.
 */

#define LOCAL_USER "alice"
#define LOCAL_HOST "laptop.example.org"

/* The environment for ${VAR} expansion, for our parser and for ssh. */
static const char * const fixed_environment[] = {
  "PATH=/usr/bin:/bin",
  "SHELL=/bin/sh",
  "LC_ALL=C",
  "KEYDIR=/srv/keys",
  "AGENT_DIR=/run/agents",
  "OTHER_AGENT=/run/other.sock",
  "SSH_AUTH_SOCK=/run/test-agent.sock",
  NULL
};

typedef struct {
  char  *home;     /* the fake home; the fixtures are in home/.ssh */
  char  *ssh_dir;
  char **envp;     /* fixed_environment plus HOME */
} Fixture;

typedef enum {
  CROSS_NONE,     /* not compared with ssh (says why in the case) */
  CROSS_COMPARE,  /* ssh accepts the file: every field must agree */
  CROSS_REJECT,   /* ssh must refuse the file as a whole */
} CrossCheck;

typedef struct {
  const char *alias;
  const char *hostname;
  guint16     port;
  const char *user;
  const char *identity_files[8];  /* "~/" is the fake home, "{uid}" our uid */
  const char *identities_only;    /* NULL unset, "yes", "no" */
  const char *identity_agent;
  const char *proxy_jump;
  const char *proxy_command;
  const char *source;             /* "file:line" under ~/.ssh; NULL when none */
  const char *notes[5];           /* substrings, in order; the count must match */
} HostCase;

typedef struct {
  const char *where;   /* "file:line" under ~/.ssh */
  const char *text;    /* exactly */
  const char *reason;  /* a substring */
  gboolean    rejects;
} SkipCase;

typedef struct {
  const char     *fixture;
  const char     *hosts;          /* the aliases get_hosts() lists, in order */
  const HostCase *expect;         /* from get_hosts() when listed there, else resolve() */
  const SkipCase *skipped;        /* all of them, in order */
  int             error_code;     /* -1: loads */
  const char     *error_message;  /* a substring */
  CrossCheck      cross;
  const char     *ssh_message;    /* CROSS_REJECT: a substring of ssh's complaint */
  const char     *extra_names;    /* also resolved and compared with ssh */
} ConfigCase;

#define NO_KEY_NOTE "no IdentityFile: a key must be chosen before Banwatch can probe (it never uses the agent)"
#define JUMP_NOTE   "Banwatch cannot probe through jump hosts"
#define REFUSES     "ssh refuses this configuration, and Banwatch ignored the line"

static const ConfigCase config_cases[] = {
  {
    .fixture = "agency.conf",
    .hosts = "acme-xs bluefin-xs cafe-mori-xs dental-xs ekimae-sakura fujiya-sakura "
             "gakuen-sakura hanaya-vps izakaya-vps jibika-vps kaisha-prod kaisha-stg "
             "lumen-web1 lumen-web2 bastion mail.internal nas.internal wiki.internal "
             "redmine.internal ops-monitor ops-backup ops-ci github.com "
             "gitlab.agency.example.jp wp-otemachi wp-shibuya wp-umeda wp-tenjin",
    .expect = (const HostCase[]) {
      { "acme-xs", "sv1234.xserver.jp", 10022, "xs123456", { "~/.ssh/xserver/acme.key" },
        "yes", NULL, NULL, NULL, "agency.conf:6", { NULL } },
      /* User from the `Host *` defaults at the end: nothing earlier set it. */
      { "izakaya-vps", "203.0.113.22", 2222, "deploy", { "~/.ssh/conoha/izakaya.key" },
        "yes", NULL, NULL, NULL, "agency.conf:53", { NULL } },
      { "lumen-web2", "lumen-web2.lumen.example.jp", 0, "admin", { "~/.ssh/aws/lumen.pem" },
        "yes", NULL, NULL, NULL, "agency.conf:75", { NULL } },
      { "bastion", "bastion.agency.example.jp", 50022, "gateway", { "~/.ssh/bastion_ed25519" },
        "yes", NULL, NULL, NULL, "agency.conf:81", { NULL } },
      /* `Host *.internal` comes before the specific block, so its User wins. */
      { "nas.internal", "10.10.0.5", 0, "staff", { "~/.ssh/internal.key" },
        "yes", NULL, "bastion", NULL, "agency.conf:94", { JUMP_NOTE } },
      { "ops-ci", "ci.agency.example.jp", 0, "ci", { NULL },
        "yes", NULL, NULL, NULL, "agency.conf:113", { NO_KEY_NOTE } },
      { "github.com", "github.com", 0, "git", { "~/.ssh/github_ed25519" },
        "yes", NULL, NULL, NULL, "agency.conf:117", { NULL } },
      { "wp-tenjin", "tenjin-wp.example.com", 8022, "wpadmin", { "~/.ssh/wp/tenjin.key" },
        "yes", NULL, NULL, NULL, "agency.conf:142", { NULL } },
      /* Not an alias: only the defaults apply. */
      { "unknown.example.net", "unknown.example.net", 0, "deploy", { NULL },
        "yes", NULL, NULL, NULL, NULL, { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "agency.conf:87", "*.internal", "wildcard Host pattern: not imported", FALSE },
      { "agency.conf:149", "*", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "unknown.example.net build.internal",
  },
  {
    .fixture = "xserver.conf",
    .hosts = "client1",
    .expect = (const HostCase[]) {
      { "client1", "sv1234.xserver.jp", 10022, "xs123456", { "~/.ssh/xserver.key" },
        NULL, NULL, NULL, NULL, "xserver.conf:2", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "defaults-first.conf",
    .hosts = "shop blog",
    .expect = (const HostCase[]) {
      /* The top-of-file User and Port win; IdentityFile accumulates in order. */
      { "shop", "shop.example.com", 2200, "admin",
        { "~/.ssh/id_ed25519_work", "~/.ssh/shop.key" },
        NULL, NULL, NULL, NULL, "defaults-first.conf:8", { NULL } },
      { "blog", "blog.example.com", 2200, "admin", { "~/.ssh/id_ed25519_work" },
        NULL, NULL, NULL, NULL, "defaults-first.conf:16", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "include-main.conf",
    .hosts = "client-a client-b staging legacy shared tools",
    .expect = (const HostCase[]) {
      { "client-a", "a.clients.example.jp", 0, "client-a", { "~/.ssh/clients/a.key" },
        "yes", NULL, NULL, NULL, "conf.d/10-clients.conf:1", { NULL } },
      { "staging", "staging.example.jp", 2020, "fallback", { "~/.ssh/staging.key" },
        "yes", NULL, NULL, NULL, "conf.d/20-staging.conf:1", { NULL } },
      /* Files in byte order: 10-, 20-, 9-, B-, a-. The first value wins. */
      { "shared", "shared.example.jp", 2209, "late", { NULL },
        "yes", NULL, NULL, NULL, "conf.d/9-legacy.conf:5", { NO_KEY_NOTE } },
      { "tools", "tools.example.jp", 0, "fallback", { "~/.ssh/tools.key" },
        "yes", NULL, NULL, NULL, "extra/tools.conf:1", { NULL } },
      /* README.txt does not match *.conf. */
      { "never-read", "never-read", 0, "fallback", { NULL },
        "yes", NULL, NULL, NULL, NULL, { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "include-main.conf:3", "conf.d/missing-*.conf", "Include: no file matches", FALSE },
      { "include-main.conf:5", "*", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "never-read",
  },
  {
    .fixture = "include-host.conf",
    .hosts = "bastion app",
    .expect = (const HostCase[]) {
      { "bastion", "bastion.example.net", 2022, "jump", { "~/.ssh/bastion.key" },
        NULL, NULL, NULL, NULL, "include-host.conf:2", { NULL } },
      /* The `Host app` inside the include is read under `Host bastion`: never for app. */
      { "app", "app.internal.example.net", 0, NULL, { NULL },
        NULL, NULL, NULL, NULL, "include-host.conf:6", { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "match.conf",
    .hosts = "work-db work-web",
    .expect = (const HostCase[]) {
      /* `Match all` is taken as `Host *`; the other Match blocks are ignored. */
      { "work-db", "db.corp.example.com", 0, "worker", { "~/.ssh/match_all.key" },
        NULL, NULL, NULL, NULL, "match.conf:13", { NULL } },
      { "work-web", "web.corp.example.com", 0, "worker", { "~/.ssh/match_all.key" },
        NULL, NULL, NULL, NULL, "match.conf:19", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "match.conf:1", "work-*", "wildcard Host pattern: not imported", FALSE },
      { "match.conf:5", "Match host *.corp.example.com exec \"test -e /nonexistent/banwatch-vpn-up\"",
        "Match block: not evaluated", FALSE },
      { "match.conf:8", "Include conf.d/*.conf", "Include inside a Match block: not followed", FALSE },
      { "match.conf:16", "Match originalhost legacy user root", "Match block: not evaluated", FALSE },
      { NULL }
    },
    .error_code = -1,
    /* ssh evaluates the Match lines; for these hosts they happen not to apply. */
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "negation.conf",
    .hosts = "web1.example.com web2.example.com bastion.example.com legacy-box",
    .expect = (const HostCase[]) {
      { "web1.example.com", "web1.example.com", 0, "ops", { "~/.ssh/example.key" },
        "yes", NULL, "bastion.example.com", NULL, "negation.conf:5", { JUMP_NOTE } },
      /* Excluded by "!bastion.example.com" although "*.example.com" matches. */
      { "bastion.example.com", "bastion.example.com", 0, NULL, { "~/.ssh/example.key" },
        "yes", NULL, NULL, NULL, "negation.conf:5", { NULL } },
      { "legacy-box", "192.0.2.10", 0, NULL, { NULL },
        NULL, NULL, NULL, NULL, "negation.conf:11", { NO_KEY_NOTE } },
      { "secret", "secret", 0, NULL, { NULL },
        "yes", NULL, NULL, NULL, NULL, { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "negation.conf:1", "*.example.com", "wildcard Host pattern: not imported", FALSE },
      { "negation.conf:1", "!bastion.example.com", "negated Host pattern: not imported", FALSE },
      { "negation.conf:8", "*", "wildcard Host pattern: not imported", FALSE },
      { "negation.conf:8", "!legacy-box", "negated Host pattern: not imported", FALSE },
      { "negation.conf:15", "!secret", "negated Host pattern: not imported", FALSE },
      { "negation.conf:15", "secret", "Host pattern never applies", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "secret",
  },
  {
    .fixture = "multi-pattern.conf",
    .hosts = "web1 web2 web3 db-primary db-replica",
    .expect = (const HostCase[]) {
      { "web2", "web2.shop.example.jp", 2202, "www", { "~/.ssh/shop_web2.shop.example.jp.key" },
        NULL, NULL, NULL, NULL, "multi-pattern.conf:1", { NULL } },
      { "db-replica", "db-replica.db.example.jp", 0, NULL, { "~/.ssh/db.key" },
        NULL, NULL, NULL, NULL, "multi-pattern.conf:11", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "quoted.conf",
    .hosts = "nas router",
    .expect = (const HostCase[]) {
      { "nas", "nas.home.arpa", 2222, "backup user",
        { "~/.ssh/keys with spaces/nas key", "~/.ssh/single quoted", "~/.ssh/escaped space" },
        NULL, NULL, NULL, NULL, "quoted.conf:1", { NULL } },
      { "router", "192.168.1.1", 22, NULL, { "~/.ssh/router" },
        NULL, NULL, NULL, NULL, "quoted.conf:9", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "crlf.conf",
    .hosts = "win-client",
    .expect = (const HostCase[]) {
      { "win-client", "win.example.jp", 0, "administrator", { "~/.ssh/win.key" },
        "yes", NULL, NULL, NULL, "crlf.conf:1", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "crlf.conf:6", "*", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "bom.conf",
    .hosts = "bom-client",
    .expect = (const HostCase[]) {
      { "bom-client", "bom.example.jp", 0, "bom", { "~/.ssh/bom.key" },
        NULL, NULL, NULL, NULL, "bom.conf:1", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "bom.conf:1", "Host bom-client", "byte order mark", TRUE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_REJECT,
    .ssh_message = "Bad configuration option",
  },
  {
    .fixture = "tokens.conf",
    .hosts = "tok aliased envkeys",
    .expect = (const HostCase[]) {
      { "tok", "tok.tokens.example", 2022, "deploy",
        { "~/.ssh/deploy@tok.tokens.example:2022", "~/.ssh/by-alias/tok",
          "~/.ssh/" LOCAL_USER "-" LOCAL_HOST "-laptop", "~/.ssh/uid-{uid}", "~/.ssh/100%",
          /* SHA-1 of %l%h%p%r */
          "~/.ssh/conn-ae3f6b9e8f0846beb3f435a30a055020929cf852" },
        NULL, "~/.ssh/agent-tok.tokens.example.sock", NULL, NULL, "tokens.conf:1", { NULL } },
      { "aliased", "aliased.example", 0, NULL, { "~/.ssh/by-key-alias/shared-key" },
        NULL, NULL, NULL, NULL, "tokens.conf:13", { NULL } },
      { "envkeys", "envkeys", 0, NULL, { "/srv/keys/env.key" },
        NULL, "/run/agents/agent.sock", NULL, NULL, "tokens.conf:18", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "identities.conf",
    .hosts = "io-yes io-no io-true agent-none agent-env agent-path agent-legacy agent-other no-keys",
    .expect = (const HostCase[]) {
      { "io-yes", "io-yes", 0, NULL, { "~/.ssh/io-yes.key", "~/.ssh/id_default" },
        "yes", NULL, NULL, NULL, "identities.conf:1", { NULL } },
      { "io-no", "io-no", 0, NULL, { "~/.ssh/id_default" },
        "no", NULL, NULL, NULL, "identities.conf:5", { NULL } },
      { "io-true", "io-true", 0, NULL, { "~/.ssh/id_default" },
        "yes", NULL, NULL, NULL, "identities.conf:8", { NULL } },
      { "agent-none", "agent-none", 0, NULL, { "~/.ssh/id_default" },
        NULL, "none", NULL, NULL, "identities.conf:11", { NULL } },
      { "agent-env", "agent-env", 0, NULL, { "~/.ssh/id_default" },
        NULL, "SSH_AUTH_SOCK", NULL, NULL, "identities.conf:14", { NULL } },
      { "agent-path", "agent-path", 0, NULL, { "~/.ssh/id_default" },
        NULL, "~/.1password/agent.sock", NULL, NULL, "identities.conf:17", { NULL } },
      { "agent-legacy", "agent-legacy", 0, NULL, { "~/.ssh/id_default" },
        NULL, "SSH_AUTH_SOCK", NULL, NULL, "identities.conf:20", { NULL } },
      { "agent-other", "agent-other", 0, NULL, { "~/.ssh/id_default" },
        NULL, "/run/other.sock", NULL, NULL, "identities.conf:23", { NULL } },
      { "no-keys", "no-keys", 0, NULL, { "~/.ssh/id_default" },
        NULL, NULL, NULL, NULL, "identities.conf:26", { "IdentityFile none" } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "identities.conf:29", "*", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "proxy.conf",
    .hosts = "bastion internal-db old-proxy multi-hop direct",
    .expect = (const HostCase[]) {
      { "bastion", "bastion.example.net", 0, "jump", { NULL },
        NULL, NULL, NULL, NULL, "proxy.conf:1", { NO_KEY_NOTE } },
      { "internal-db", "10.0.0.5", 0, NULL, { NULL },
        NULL, NULL, "bastion", NULL, "proxy.conf:8", { JUMP_NOTE, NO_KEY_NOTE } },
      { "old-proxy", "old-proxy", 0, NULL, { NULL },
        NULL, NULL, NULL, "ssh -W %h:%p bastion", "proxy.conf:13",
        { "Banwatch cannot probe through a proxy command", NO_KEY_NOTE } },
      { "multi-hop", "multi-hop", 0, NULL, { NULL },
        NULL, NULL, "user1@hop1.example.net:2222,hop2.example.net", NULL, "proxy.conf:18",
        { JUMP_NOTE, NO_KEY_NOTE } },
      { "direct", "direct", 0, NULL, { NULL },
        NULL, NULL, NULL, "nc %h %p", "proxy.conf:23",
        { "Banwatch cannot probe through a proxy command", NO_KEY_NOTE } },
      { "www.example.org", "www.example.org", 0, NULL, { NULL },
        NULL, NULL, NULL, "nc %h %p", NULL,
        { "Banwatch cannot probe through a proxy command", NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "proxy.conf:5", "internal-*", "wildcard Host pattern: not imported", FALSE },
      { "proxy.conf:26", "*.example.org", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "www.example.org internal-web",
  },
  {
    .fixture = "bad-port.conf",
    .hosts = "p0 p70000 pabc pservice pok",
    .expect = (const HostCase[]) {
      { "p0", "p0", 0, NULL, { NULL }, NULL, NULL, NULL, NULL, "bad-port.conf:1",
        { "bad-port.conf line 2: Port “0” is not a number from 1 to 65535", NO_KEY_NOTE } },
      { "p70000", "p70000", 0, NULL, { NULL }, NULL, NULL, NULL, NULL, "bad-port.conf:3",
        { "bad-port.conf line 4: Port “70000” is not a number from 1 to 65535", NO_KEY_NOTE } },
      { "pabc", "pabc", 0, NULL, { NULL }, NULL, NULL, NULL, NULL, "bad-port.conf:5",
        { "Port “abc” is not a number from 1 to 65535 (service names are not looked up); " REFUSES, NO_KEY_NOTE } },
      { "pservice", "pservice", 0, NULL, { NULL }, NULL, NULL, NULL, NULL, "bad-port.conf:7",
        { "(service names are not looked up)", NO_KEY_NOTE } },
      { "pok", "pok", 2222, NULL, { NULL }, NULL, NULL, NULL, NULL, "bad-port.conf:9",
        { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "bad-port.conf:2", "Port 0", "Port “0” is not a number from 1 to 65535", TRUE },
      { "bad-port.conf:4", "Port 70000", "Port “70000” is not a number from 1 to 65535", TRUE },
      { "bad-port.conf:6", "Port abc", "Port “abc” is not a number from 1 to 65535", TRUE },
      { "bad-port.conf:8", "Port ssh", "Port “ssh” is not a number from 1 to 65535", TRUE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_REJECT,
    .ssh_message = "Bad port '0'",
  },
  {
    .fixture = "include-loop.conf",
    .error_code = BW_SSH_CONFIG_ERROR_TOO_DEEP,
    .error_message = "include-loop.conf line 4: Include nests more than 16 files deep (does a file include itself?)",
    .cross = CROSS_REJECT,
    .ssh_message = "Too many recursive configuration includes",
  },
  {
    .fixture = "unknown-token.conf",
    .hosts = "typo jumptoken bad-hostname fine",
    .expect = (const HostCase[]) {
      { "typo", "typo.example.com", 0, NULL, { "~/.ssh/typo.key" }, NULL, NULL, NULL, NULL,
        "unknown-token.conf:1",
        { "unknown-token.conf line 3: IdentityFile “~/.ssh/%Z.key” not used: unknown token %Z (ssh refuses to connect)" } },
      /* %j came with OpenSSH 9.6; Debian 12's 9.2 refuses it. */
      { "jumptoken", "jumptoken", 0, NULL, { NULL }, NULL, NULL, NULL, NULL,
        "unknown-token.conf:6", { "unknown token %j", NO_KEY_NOTE } },
      { "bad-hostname", "bad-hostname", 0, NULL, { NULL }, NULL, NULL, NULL, NULL,
        "unknown-token.conf:9",
        { "HostName “%u.example.com” not used: unknown token %u (ssh refuses to connect)", NO_KEY_NOTE } },
      { "fine", "fine.example.com", 0, NULL, { "~/.ssh/fine.key" }, NULL, NULL, NULL, NULL,
        "unknown-token.conf:12", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "unknown-token.conf:3", "IdentityFile ~/.ssh/%Z.key", "unknown token %Z", FALSE },
      { "unknown-token.conf:7", "IdentityFile ~/.ssh/%j.key", "unknown token %j", FALSE },
      { "unknown-token.conf:10", "HostName %u.example.com", "unknown token %u", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "canonical.conf",
    .hosts = "shortname server01.example.com",
    .expect = (const HostCase[]) {
      /* The second pass matches "server01.example.com", the host name. */
      { "shortname", "server01.example.com", 0, "canon-user", { "~/.ssh/canon.key" },
        NULL, NULL, NULL, NULL, "canonical.conf:5", { "CanonicalizeHostname is on" } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
  },
  {
    .fixture = "case.conf",
    .hosts = "MixedCase lower loopback",
    .expect = (const HostCase[]) {
      { "MixedCase", "mixedcase.example.org", 0, "Admin", { "~/.ssh/Mixed.Key" },
        NULL, NULL, NULL, NULL, "case.conf:2", { NULL } },
      /* Host patterns are case-sensitive, like ssh's. */
      { "mixedcase", "mixedcase", 0, NULL, { NULL },
        NULL, NULL, NULL, NULL, NULL, { NO_KEY_NOTE } },
      /* Addresses are put in canonical form, not just lowercased. */
      { "lower", "2001:db8::1", 2022, NULL, { NULL },
        NULL, NULL, NULL, NULL, "case.conf:6", { NO_KEY_NOTE } },
      { "loopback", "127.0.0.1", 0, NULL, { NULL },
        NULL, NULL, NULL, NULL, "case.conf:10", { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) { { NULL } },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "mixedcase",
  },
  {
    .fixture = "dedup.conf",
    .hosts = "app1",
    .expect = (const HostCase[]) {
      { "app1", "app1", 0, NULL,
        { "~/.ssh/app.key", "~/.ssh/shared.key", "~/.ssh/app-extra.key", "~/.ssh/app.key" },
        NULL, NULL, NULL, NULL, "dedup.conf:1", { NULL } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "dedup.conf:5", "app*", "wildcard Host pattern: not imported", FALSE },
      { "dedup.conf:10", "*", "wildcard Host pattern: not imported", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_COMPARE,
    .extra_names = "app2",
  },
  {
    .fixture = "include-world-writable.conf",
    .hosts = "risky safe",
    .expect = (const HostCase[]) {
      { "safe", "safe.example.jp", 0, NULL, { NULL }, NULL, NULL, NULL, NULL,
        "include-world-writable.conf:2", { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "include-world-writable.conf:1", "Include perm/world-writable.conf",
        "world-writable.conf” because another user can change it (chmod go-w", TRUE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_REJECT,
    .ssh_message = "Bad owner or permissions",
  },
  {
    .fixture = "include-group-writable.conf",
    .hosts = "team safe",
    .expect = (const HostCase[]) {
      { "team", "team.example.jp", 0, "team", { NULL }, NULL, NULL, NULL, NULL,
        "perm/group-writable.conf:1", { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "include-group-writable.conf:1", "Include perm/group-writable.conf perm/dangling.conf",
        "is group-writable: upstream OpenSSH refuses it", FALSE },
      { "include-group-writable.conf:1", "Include perm/group-writable.conf perm/dangling.conf",
        "Include: file not readable: “", FALSE },
      { NULL }
    },
    .error_code = -1,
    /* Debian's ssh accepts a group-writable file whose group has only its owner; the
     * test user's own group need not be like that. */
    .cross = CROSS_NONE,
  },
  {
    .fixture = "garbage.conf",
    .hosts = "ok-before ok-after",
    .expect = (const HostCase[]) {
      { "ok-before", "ok.example.jp", 0, NULL, { "~/.ssh/ok.key" }, NULL, NULL, NULL, NULL,
        "garbage.conf:2",
        { "garbage.conf line 9: a quote is not closed; " REFUSES,
          "garbage.conf line 10: “Port” has no value",
          "garbage.conf line 11: “Port” takes one value" } },
      { "ok-after", "after.example.jp", 0, NULL, { NULL }, NULL, NULL, NULL, NULL,
        "garbage.conf:14", { NO_KEY_NOTE } },
      { NULL }
    },
    .skipped = (const SkipCase[]) {
      { "garbage.conf:5", "User nul\xe2\x90\x80user", "contains a NUL byte: line skipped", FALSE },
      { "garbage.conf:7", "User caf\xef\xbf\xbd", "not valid UTF-8: line skipped", FALSE },
      { "garbage.conf:8", "IdentitiyFile ~/.ssh/typo.key", "unknown keyword “IdentitiyFile”", TRUE },
      { "garbage.conf:9", "IdentityFile \"~/.ssh/unclosed.key", "a quote is not closed", TRUE },
      { "garbage.conf:10", "Port", "“Port” has no value", TRUE },
      { "garbage.conf:11", "Port 22 23", "“Port” takes one value", TRUE },
      { "garbage.conf:12", "Host bad\xef\xbf\xbdname", "the block it starts is ignored", FALSE },
      { NULL }
    },
    .error_code = -1,
    .cross = CROSS_REJECT,
    .ssh_message = "Bad configuration option: identitiyfile",
  },
};

/* ------------------------------------------------------------------------------------ */
/* The fake home                                                                        */

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      /* Make it writable again first: some tests remove permissions. */
      g_chmod (path, 0700);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
      return;
    }

  g_unlink (path);
}

static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (from, 0, &error);
  const char *name;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *target = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        {
          copy_tree (source, target);
          continue;
        }

      g_file_get_contents (source, &contents, &length, &error);
      g_assert_no_error (error);
      g_file_set_contents_full (target, contents, length, G_FILE_SET_CONTENTS_NONE, 0600, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "ssh-config", NULL);
  g_autofree char *world = NULL;
  g_autofree char *group = NULL;
  g_autofree char *dangling = NULL;
  g_autofree char *nowhere = NULL;

  fixture->home = g_dir_make_tmp ("bw-ssh-config-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->ssh_dir = g_build_filename (fixture->home, ".ssh", NULL);
  copy_tree (source, fixture->ssh_dir);

  /* Git keeps neither modes nor dangling links; make them here. */
  world = g_build_filename (fixture->ssh_dir, "perm", "world-writable.conf", NULL);
  group = g_build_filename (fixture->ssh_dir, "perm", "group-writable.conf", NULL);
  dangling = g_build_filename (fixture->ssh_dir, "perm", "dangling.conf", NULL);
  nowhere = g_build_filename (fixture->home, "does-not-exist.conf", NULL);
  g_assert_cmpint (g_chmod (world, 0666), ==, 0);
  g_assert_cmpint (g_chmod (group, 0664), ==, 0);
  g_assert_cmpint (symlink (nowhere, dangling), ==, 0);

  fixture->envp = g_strdupv ((char **) fixed_environment);
  fixture->envp = g_environ_setenv (fixture->envp, "HOME", fixture->home, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  remove_tree (fixture->home);
  g_clear_pointer (&fixture->home, g_free);
  g_clear_pointer (&fixture->ssh_dir, g_free);
  g_clear_pointer (&fixture->envp, g_strfreev);
}

static BwSshConfigContext
table_context (Fixture *fixture)
{
  return (BwSshConfigContext) {
    .home_dir = fixture->home,
    .local_user = LOCAL_USER,
    .local_host = LOCAL_HOST,
    .envp = fixture->envp,
  };
}

static char *
fixture_path (Fixture    *fixture,
              const char *name)
{
  return g_build_filename (fixture->ssh_dir, name, NULL);
}

/* "~/" is the fake home, "{uid}" our uid. */
static char *
expected_text (Fixture    *fixture,
               const char *text)
{
  g_autofree char *uid = g_strdup_printf ("%lu", (gulong) getuid ());
  g_autoptr(GString) out = g_string_new (NULL);

  if (text == NULL)
    return NULL;

  if (g_str_has_prefix (text, "~/"))
    {
      g_string_append (out, fixture->home);
      text++;
    }
  g_string_append (out, text);
  g_string_replace (out, "{uid}", uid, 0);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
expected_where (Fixture    *fixture,
                const char *where,
                guint      *out_line)
{
  const char *colon = strrchr (where, ':');
  g_autofree char *file = g_strndup (where, colon - where);

  *out_line = (guint) g_ascii_strtoull (colon + 1, NULL, 10);
  return fixture_path (fixture, file);
}

/* ------------------------------------------------------------------------------------ */
/* Checking a case                                                                      */

static void
assert_string_list (GPtrArray          *actual,
                    const char * const *expected,
                    Fixture            *fixture,
                    const char         *what)
{
  guint n = 0;

  while (n < 8 && expected[n] != NULL)
    n++;

  for (guint i = 0; i < actual->len; i++)
    g_test_message ("%s[%u] = %s", what, i, (const char *) g_ptr_array_index (actual, i));
  g_assert_cmpuint (actual->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *want = expected_text (fixture, expected[i]);

      g_assert_cmpstr (g_ptr_array_index (actual, i), ==, want);
    }
}

static void
assert_host (Fixture               *fixture,
             const BwSshConfigHost *host,
             const HostCase        *c)
{
  g_autofree char *agent = expected_text (fixture, c->identity_agent);
  const char *io = host->identities_only < 0 ? NULL : host->identities_only ? "yes" : "no";
  guint n_notes = 0;

  g_test_message ("host %s", c->alias);
  g_assert_cmpstr (host->alias, ==, c->alias);
  g_assert_cmpstr (host->hostname, ==, c->hostname);
  g_assert_cmpuint (host->port, ==, c->port);
  g_assert_cmpstr (host->user, ==, c->user);
  assert_string_list (host->identity_files, c->identity_files, fixture, "identity_files");
  g_assert_cmpstr (io, ==, c->identities_only);
  g_assert_cmpstr (host->identity_agent, ==, agent);
  g_assert_cmpstr (host->proxy_jump, ==, c->proxy_jump);
  g_assert_cmpstr (host->proxy_command, ==, c->proxy_command);

  if (c->source == NULL)
    {
      g_assert_null (host->source_file);
      g_assert_cmpuint (host->source_line, ==, 0);
    }
  else
    {
      guint line;
      g_autofree char *file = expected_where (fixture, c->source, &line);

      g_assert_cmpstr (host->source_file, ==, file);
      g_assert_cmpuint (host->source_line, ==, line);
    }

  for (guint i = 0; i < host->notes->len; i++)
    g_test_message ("note: %s", (const char *) g_ptr_array_index (host->notes, i));
  while (n_notes < G_N_ELEMENTS (c->notes) && c->notes[n_notes] != NULL)
    n_notes++;
  g_assert_cmpuint (host->notes->len, ==, n_notes);
  for (guint i = 0; i < n_notes; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (host->notes, i), c->notes[i]));
}

static void
assert_skipped (Fixture        *fixture,
                BwSshConfig    *config,
                const SkipCase *expected)
{
  GPtrArray *skipped = bw_ssh_config_get_skipped (config);
  guint n = 0;

  for (guint i = 0; i < skipped->len; i++)
    {
      const BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);

      g_test_message ("skipped %s:%u “%s”: %s%s", skip->file, skip->line, skip->text,
                      skip->reason, skip->ssh_rejects ? " (ssh rejects)" : "");
    }

  while (expected[n].where != NULL)
    n++;
  g_assert_cmpuint (skipped->len, ==, n);

  for (guint i = 0; i < n; i++)
    {
      const BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);
      guint line;
      g_autofree char *file = expected_where (fixture, expected[i].where, &line);

      g_assert_cmpstr (skip->file, ==, file);
      g_assert_cmpuint (skip->line, ==, line);
      g_assert_cmpstr (skip->text, ==, expected[i].text);
      g_assert_nonnull (strstr (skip->reason, expected[i].reason));
      g_assert_cmpint (skip->ssh_rejects, ==, expected[i].rejects);
    }
}

static const BwSshConfigHost *
find_host (GPtrArray  *hosts,
           const char *alias)
{
  for (guint i = 0; i < hosts->len; i++)
    {
      const BwSshConfigHost *host = g_ptr_array_index (hosts, i);

      if (g_strcmp0 (host->alias, alias) == 0)
        return host;
    }
  return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Asking OpenSSH                                                                       */

static const char *
ssh_program (void)
{
  static char *path = NULL;

  if (path == NULL)
    path = g_find_program_in_path ("ssh");
  if (path == NULL)
    g_error ("ssh (openssh-client) is not installed: it is needed to check the parser against OpenSSH");

  return path;
}

static gboolean
run_ssh (Fixture            *fixture,
         const char * const *argv,
         char              **out_stdout,
         char              **out_stderr)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, fixture->envp, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                out_stdout, out_stderr, &status, &error);
  g_assert_no_error (error);

  return g_spawn_check_wait_status (status, NULL);
}

/* ssh expands ~ and %d from the password database but Include from $HOME; the fake home
 * stands for both in our context, so map ssh's real home onto it. */
static char *
map_home (Fixture    *fixture,
          const char *path)
{
  struct passwd *pw = getpwuid (getuid ());

  g_assert_nonnull (pw);
  if (strlen (pw->pw_dir) > 1 && g_str_has_prefix (path, pw->pw_dir) &&
      (path[strlen (pw->pw_dir)] == '/' || path[strlen (pw->pw_dir)] == '\0'))
    return g_strconcat (fixture->home, path + strlen (pw->pw_dir), NULL);

  return g_strdup (path);
}

static GHashTable *
ssh_dump (Fixture    *fixture,
          const char *config_file,
          const char *name)
{
  const char *argv[] = { ssh_program (), "-G", "-F", config_file, name, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!run_ssh (fixture, argv, &out, &err))
    g_error ("ssh -G -F %s %s failed: %s", config_file, name, err);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');

      if (space != NULL)
        g_hash_table_insert (options, g_strndup (lines[i], space - lines[i]), g_strdup (space + 1));
    }

  return options;
}

/* The key files ssh tries, as it expands them right before authenticating. The proxy
 * command "false" replaces the network: ssh gets that far, then the connection closes. */
static GPtrArray *
ssh_identity_files (Fixture    *fixture,
                    const char *config_file,
                    const char *name,
                    gboolean   *out_ok,
                    char      **out_stderr)
{
  const char *argv[] = {
    ssh_program (), "-v", "-F", config_file, "-o", "ProxyCommand=false", "-o", "BatchMode=yes",
    "-o", "ControlMaster=no", "-o", "ControlPath=none", name, "true", NULL
  };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *marker = "debug1: identity file ";

  *out_ok = run_ssh (fixture, argv, &out, out_stderr);
  lines = g_strsplit (*out_stderr, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *type;
      g_autofree char *path = NULL;
      g_autofree char *mapped = NULL;
      const char *previous;

      if (!g_str_has_prefix (lines[i], marker) || (type = strstr (lines[i], " type ")) == NULL)
        continue;
      path = g_strndup (lines[i] + strlen (marker), type - (lines[i] + strlen (marker)));
      mapped = map_home (fixture, path);

      /* ssh also tries KEY-cert after each KEY. */
      previous = files->len > 0 ? g_ptr_array_index (files, files->len - 1) : NULL;
      if (previous != NULL && g_str_has_suffix (mapped, "-cert") &&
          strlen (mapped) == strlen (previous) + 5 && strncmp (mapped, previous, strlen (previous)) == 0)
        continue;
      g_ptr_array_add (files, g_steal_pointer (&mapped));
    }

  return g_steal_pointer (&files);
}

static gboolean
has_note (const BwSshConfigHost *host,
          const char            *text)
{
  for (guint i = 0; i < host->notes->len; i++)
    {
      if (strstr (g_ptr_array_index (host->notes, i), text) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
cross_check_host (Fixture     *fixture,
                  BwSshConfig *config,
                  const char  *config_file,
                  const char  *name)
{
  g_autoptr(BwSshConfigHost) host = bw_ssh_config_resolve (config, name);
  g_autoptr(GHashTable) ssh = NULL;
  g_autoptr(GPtrArray) ssh_files = NULL;
  g_autofree char *ssh_stderr = NULL;
  g_autofree char *port = NULL;
  g_autofree char *agent = NULL;
  const char *ssh_agent;
  gboolean ok;

  g_test_message ("ssh cross-check: %s", name);

  ssh_files = ssh_identity_files (fixture, config_file, name, &ok, &ssh_stderr);

  /* Where we say ssh would refuse to connect, it must. */
  if (has_note (host, "(ssh refuses to connect)"))
    {
      g_assert_nonnull (strstr (ssh_stderr, "failed"));
      g_assert_null (strstr (ssh_stderr, "kex_exchange_identification"));
      return;
    }
  g_assert_nonnull (strstr (ssh_stderr, "kex_exchange_identification"));

  ssh = ssh_dump (fixture, config_file, name);
  port = g_strdup_printf ("%u", host->port != 0 ? host->port : 22);

  g_assert_cmpstr (g_hash_table_lookup (ssh, "hostname"), ==, host->hostname);
  g_assert_cmpstr (g_hash_table_lookup (ssh, "port"), ==, port);
  g_assert_cmpstr (g_hash_table_lookup (ssh, "user"), ==,
                   host->user != NULL ? host->user : g_get_user_name ());
  g_assert_cmpstr (g_hash_table_lookup (ssh, "identitiesonly"), ==,
                   host->identities_only == 1 ? "yes" : "no");
  g_assert_cmpstr (g_hash_table_lookup (ssh, "proxyjump"), ==, host->proxy_jump);
  g_assert_cmpstr (g_hash_table_lookup (ssh, "proxycommand"), ==, host->proxy_command);

  /* ssh keeps the older "$VAR" form of IdentityAgent until it connects; we resolve it. */
  ssh_agent = g_hash_table_lookup (ssh, "identityagent");
  if (ssh_agent != NULL && ssh_agent[0] == '$' && ssh_agent[1] != '{')
    {
      const char *value = g_environ_getenv (fixture->envp, ssh_agent + 1);

      agent = g_strdup (strcmp (ssh_agent + 1, "SSH_AUTH_SOCK") == 0 ? "SSH_AUTH_SOCK"
                        : value != NULL ? value : "none");
    }
  else if (ssh_agent != NULL)
    {
      agent = map_home (fixture, ssh_agent);
    }
  g_assert_cmpstr (host->identity_agent, ==, agent);

  g_assert_cmpuint (ssh_files->len, ==, host->tried_identity_files->len);
  for (guint i = 0; i < ssh_files->len; i++)
    g_assert_cmpstr (g_ptr_array_index (ssh_files, i), ==,
                     g_ptr_array_index (host->tried_identity_files, i));
}

static void
cross_check (Fixture          *fixture,
             const ConfigCase *c,
             BwSshConfig      *config)
{
  g_autofree char *path = fixture_path (fixture, c->fixture);
  g_auto(GStrv) extra = g_strsplit (c->extra_names != NULL ? c->extra_names : "", " ", -1);
  BwSshConfigContext ctx = {
    .home_dir = fixture->home,
    .local_user = g_get_user_name (),
    .local_host = g_get_host_name (),
    .envp = fixture->envp,
  };
  g_autoptr(BwSshConfig) ours = NULL;
  g_autoptr(GError) error = NULL;

  if (c->cross == CROSS_REJECT)
    {
      const char *argv[] = { ssh_program (), "-G", "-F", path, "anyhost", NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_false (run_ssh (fixture, argv, &out, &err));
      g_test_message ("ssh says: %s", err);
      g_assert_nonnull (strstr (err, c->ssh_message));
      return;
    }

  /* The tokens must come out as ssh's own: the real user and host name. */
  ours = bw_ssh_config_load_file (path, &ctx, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < bw_ssh_config_get_hosts (ours)->len; i++)
    {
      const BwSshConfigHost *host = g_ptr_array_index (bw_ssh_config_get_hosts (ours), i);

      cross_check_host (fixture, ours, path, host->alias);
    }
  for (guint i = 0; extra[i] != NULL; i++)
    {
      if (*extra[i] != '\0')
        cross_check_host (fixture, ours, path, extra[i]);
    }

  g_assert_cmpuint (bw_ssh_config_get_hosts (ours)->len, ==, bw_ssh_config_get_hosts (config)->len);
}

static void
test_config_case (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const ConfigCase *c = user_data;
  BwSshConfigContext ctx = table_context (fixture);
  g_autofree char *path = fixture_path (fixture, c->fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = bw_ssh_config_load_file (path, &ctx, &error);
  g_auto(GStrv) hosts = NULL;

  if (c->error_code >= 0)
    {
      g_assert_error (error, BW_SSH_CONFIG_ERROR, c->error_code);
      g_test_message ("error: %s", error->message);
      g_assert_nonnull (strstr (error->message, c->error_message));
      g_assert_null (config);
    }
  else
    {
      GPtrArray *found;

      g_assert_no_error (error);
      found = bw_ssh_config_get_hosts (config);
      hosts = g_strsplit (c->hosts, " ", -1);
      for (guint i = 0; i < found->len; i++)
        g_test_message ("found %s", ((const BwSshConfigHost *) g_ptr_array_index (found, i))->alias);
      g_assert_cmpuint (found->len, ==, g_strv_length (hosts));
      for (guint i = 0; hosts[i] != NULL; i++)
        g_assert_cmpstr (((const BwSshConfigHost *) g_ptr_array_index (found, i))->alias, ==, hosts[i]);

      for (const HostCase *h = c->expect; h->alias != NULL; h++)
        {
          const BwSshConfigHost *listed = find_host (found, h->alias);
          g_autoptr(BwSshConfigHost) resolved = bw_ssh_config_resolve (config, h->alias);

          if (listed != NULL)
            assert_host (fixture, listed, h);
          /* resolve() must agree with the list, source included. */
          assert_host (fixture, resolved, h);
        }

      assert_skipped (fixture, config, c->skipped);
    }

  if (c->cross != CROSS_NONE)
    cross_check (fixture, c, config);
}

/* ------------------------------------------------------------------------------------ */
/* Beyond the fixtures                                                                  */

static BwSshConfig *
load_text (Fixture          *fixture,
           const char       *text,
           gssize            length,
           BwSshConfigFlags  flags,
           GError          **error)
{
  BwSshConfigContext ctx = table_context (fixture);

  ctx.flags = flags;
  return bw_ssh_config_load_data (text, length, "inline", &ctx, error);
}

static void
test_strict (Fixture       *fixture,
             gconstpointer  user_data)
{
  BwSshConfigContext ctx = table_context (fixture);
  g_autofree char *path = fixture_path (fixture, "garbage.conf");
  g_autofree char *clean = fixture_path (fixture, "agency.conf");
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;

  ctx.flags = BW_SSH_CONFIG_FLAGS_STRICT;
  config = bw_ssh_config_load_file (path, &ctx, &error);
  g_assert_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_SYNTAX);
  g_assert_null (config);
  g_assert_nonnull (strstr (error->message, "garbage.conf line 8: unknown keyword “IdentitiyFile”"));
  g_assert_nonnull (strstr (error->message, "ssh refuses this configuration; fix the line and try again."));
  g_clear_error (&error);

  /* What ssh accepts loads the same in strict mode. */
  config = bw_ssh_config_load_file (clean, &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bw_ssh_config_get_hosts (config)->len, ==, 28);
}

static void
test_no_include (Fixture       *fixture,
                 gconstpointer  user_data)
{
  BwSshConfigContext ctx = table_context (fixture);
  g_autofree char *path = fixture_path (fixture, "include-main.conf");
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  GPtrArray *skipped;

  ctx.flags = BW_SSH_CONFIG_FLAGS_NO_INCLUDE;
  config = bw_ssh_config_load_file (path, &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bw_ssh_config_get_hosts (config)->len, ==, 0);

  skipped = bw_ssh_config_get_skipped (config);
  g_assert_cmpuint (skipped->len, ==, 3);
  for (guint i = 0; i < 2; i++)
    {
      const BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);

      g_assert_cmpuint (skip->line, ==, i + 2);
      g_assert_cmpstr (skip->reason, ==, "Include: not followed (reading included files is disabled here)");
    }
}

static void
test_io_errors (Fixture       *fixture,
                gconstpointer  user_data)
{
  BwSshConfigContext ctx = table_context (fixture);
  g_autofree char *missing = fixture_path (fixture, "no-such-config");
  g_autofree char *fifo = fixture_path (fixture, "a-fifo");
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  struct {
    const char *path;
    const char *message;
  } cases[] = {
    { missing, "No such file or directory. Check the path and its permissions." },
    { fixture->ssh_dir, "it is a directory" },
    /* Opened without blocking, so a FIFO cannot hang the import. */
    { fifo, "it is not a regular file" },
  };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *start = g_strdup_printf ("Could not read the SSH configuration “%s”: ", cases[i].path);

      config = bw_ssh_config_load_file (cases[i].path, &ctx, &error);
      g_assert_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_IO);
      g_assert_null (config);
      g_assert_true (g_str_has_prefix (error->message, start));
      g_assert_nonnull (strstr (error->message, cases[i].message));
      g_clear_error (&error);
    }

  /* The same as Includes: reported, skipped, no hang. */
  {
    g_autofree char *text = g_strdup_printf ("Include %s %s\nHost after\n", fifo, fixture->ssh_dir);
    GPtrArray *skipped;

    config = load_text (fixture, text, -1, 0, &error);
    g_assert_no_error (error);
    skipped = bw_ssh_config_get_skipped (config);
    g_assert_cmpuint (skipped->len, ==, 2);
    g_assert_nonnull (strstr (((BwSshConfigSkip *) g_ptr_array_index (skipped, 0))->reason, "it is not a regular file"));
    g_assert_nonnull (strstr (((BwSshConfigSkip *) g_ptr_array_index (skipped, 1))->reason, "it is a directory"));
    g_assert_cmpuint (bw_ssh_config_get_hosts (config)->len, ==, 1);
  }
}

/* ssh allows 16 levels of Include below the file itself, and stops at the 17th. */
static void
test_include_depth (Fixture       *fixture,
                    gconstpointer  user_data)
{
  BwSshConfigContext ctx = table_context (fixture);

  for (guint levels = 16; levels <= 17; levels++)
    {
      g_autofree char *top = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BwSshConfig) config = NULL;
      const char *argv[] = { ssh_program (), "-G", "-F", NULL, "deepest", NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      for (guint i = 0; i <= levels; i++)
        {
          g_autofree char *name = g_strdup_printf ("depth%u-%u.conf", levels, i);
          g_autofree char *path = fixture_path (fixture, name);
          g_autofree char *text = i < levels
            ? g_strdup_printf ("Include depth%u-%u.conf\n", levels, i + 1)
            : g_strdup ("Host deepest\n  Port 2016\n");

          g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
          g_assert_no_error (error);
          if (i == 0)
            top = g_steal_pointer (&path);
        }

      config = bw_ssh_config_load_file (top, &ctx, &error);
      argv[3] = top;
      if (levels == 16)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (((BwSshConfigHost *) g_ptr_array_index (bw_ssh_config_get_hosts (config), 0))->port, ==, 2016);
          g_assert_true (run_ssh (fixture, argv, &out, &err));
          g_assert_nonnull (strstr (out, "port 2016\n"));
        }
      else
        {
          g_assert_error (error, BW_SSH_CONFIG_ERROR, BW_SSH_CONFIG_ERROR_TOO_DEEP);
          g_assert_nonnull (strstr (error->message, "depth17-16.conf line 1: Include nests more than 16 files deep"));
          g_assert_false (run_ssh (fixture, argv, &out, &err));
          g_assert_nonnull (strstr (err, "Too many recursive configuration includes"));
        }
    }
}

static void
test_robustness (Fixture       *fixture,
                 gconstpointer  user_data)
{
  static const char nul_text[] = "Host a\0b\n  Port 1\nHost c\n  User x\0y\n  Port 2\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  GPtrArray *hosts;
  BwSshConfigHost *host;

  /* NUL bytes with an explicit length: the lines holding them are skipped, whole. */
  config = load_text (fixture, nul_text, sizeof nul_text - 1, 0, &error);
  g_assert_no_error (error);
  hosts = bw_ssh_config_get_hosts (config);
  g_assert_cmpuint (hosts->len, ==, 1);
  host = g_ptr_array_index (hosts, 0);
  g_assert_cmpstr (host->alias, ==, "c");
  g_assert_cmpuint (host->port, ==, 2);
  g_assert_null (host->user);
  g_assert_cmpuint (bw_ssh_config_get_skipped (config)->len, ==, 2);
  g_clear_pointer (&config, bw_ssh_config_free);

  /* Nothing at all, only a BOM, only blanks and comments. */
  for (guint i = 0; i < 4; i++)
    {
      const char *inputs[] = { "", "\xef\xbb\xbf", "  \t\n\n# comment\n\f\n", "\r\n\r\n" };

      config = load_text (fixture, inputs[i], -1, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (bw_ssh_config_get_hosts (config)->len, ==, 0);
      g_clear_pointer (&config, bw_ssh_config_free);
    }

  /* A 4 MB line, a 100 000-pattern Host line, and a value of 1 MB. */
  g_string_append (text, "# ");
  for (guint i = 0; i < 4 * 1024 * 1024; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\nHost");
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (text, " h%u", i);
  g_string_append (text, " !h5\n  Port 2222\nHost big\n  IdentityFile ~/");
  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (text, 'k');
  g_string_append (text, "\n");

  config = load_text (fixture, text->str, text->len, 0, &error);
  g_assert_no_error (error);
  hosts = bw_ssh_config_get_hosts (config);
  g_assert_cmpuint (hosts->len, ==, 100000);
  host = g_ptr_array_index (hosts, 99998);
  g_assert_cmpstr (host->alias, ==, "h99999");
  g_assert_cmpuint (host->port, ==, 2222);
  host = g_ptr_array_index (hosts, 99999);
  g_assert_cmpstr (host->alias, ==, "big");
  g_assert_cmpuint (strlen (g_ptr_array_index (host->identity_files, 0)), ==, strlen (fixture->home) + 1 + 1024 * 1024);
  /* The never-applying h5 is reported with its pattern, not the megabyte line. */
  g_assert_cmpuint (bw_ssh_config_get_skipped (config)->len, ==, 2);
  g_assert_cmpstr (((BwSshConfigSkip *) g_ptr_array_index (bw_ssh_config_get_skipped (config), 1))->text, ==, "h5");
  g_clear_pointer (&config, bw_ssh_config_free);

  /* Skip texts are cut to a readable length. */
  g_string_truncate (text, 0);
  g_string_append (text, "Bogus ");
  for (guint i = 0; i < 10000; i++)
    g_string_append (text, "é");
  config = load_text (fixture, text->str, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_utf8_strlen (((BwSshConfigSkip *) g_ptr_array_index (bw_ssh_config_get_skipped (config), 0))->text, -1), ==, 201);
}

static double
time_generated_load (Fixture *fixture,
                     guint    n_hosts)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  BwSshConfigHost *last;
  gint64 start;
  double seconds;

  for (guint i = 0; i < n_hosts; i++)
    g_string_append_printf (text,
                            "Host client%u\n    HostName sv%u.example.jp\n    Port %u\n"
                            "    IdentityFile ~/.ssh/clients/%u.key\n\n",
                            i, i, 1024 + i % 60000, i);
  /* Host lines match the alias, not the HostName: "*.example.jp" applies to none. */
  g_string_append (text, "Host *.example.jp\n    User wild\nHost *\n    User deploy\n    IdentitiesOnly yes\n");

  start = g_get_monotonic_time ();
  config = load_text (fixture, text->str, text->len, 0, &error);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%zu bytes, %u hosts: %.3f s", text->len, n_hosts, seconds);

  g_assert_no_error (error);
  g_assert_cmpuint (bw_ssh_config_get_hosts (config)->len, ==, n_hosts);
  last = g_ptr_array_index (bw_ssh_config_get_hosts (config), n_hosts - 1);
  g_assert_cmpuint (last->port, ==, 1024 + (n_hosts - 1) % 60000);
  g_assert_cmpstr (last->user, ==, "deploy");
  g_assert_cmpint (last->identities_only, ==, 1);

  return seconds;
}

/* Resolving every alias of a generated configuration of a few megabytes must be linear:
 * four times the hosts may not cost anywhere near the sixteen times a quadratic pass
 * would. A ratio holds on a slow machine and under valgrind alike. */
static void
test_large (Fixture       *fixture,
            gconstpointer  user_data)
{
  double small = time_generated_load (fixture, 10000);
  double large = time_generated_load (fixture, 40000);

  g_assert_cmpfloat (large, <, 9 * small + 0.05);
}

/* strtonum()'s port forms, and the 100-IdentityFile limit that only matters where the
 * lines apply; both as ssh sees them. */
static void
test_limits (Fixture       *fixture,
             gconstpointer  user_data)
{
  BwSshConfigContext ctx = table_context (fixture);
  g_autofree char *path = fixture_path (fixture, "limits.conf");
  g_autoptr(GString) text = g_string_new ("Host plus\n  Port +22\nHost zero\n  Port 022\n"
                                          "Host blank\n  Port \" 2200\"\nHost many\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = NULL;
  GPtrArray *hosts;
  BwSshConfigHost *many;
  const char *argv[] = { ssh_program (), "-G", "-F", path, NULL, NULL };
  const struct {
    const char *name;
    const char *port_line;
  } ports[] = { { "plus", "port 22\n" }, { "zero", "port 22\n" }, { "blank", "port 2200\n" } };

  for (guint i = 1; i <= 101; i++)
    g_string_append_printf (text, "  IdentityFile ~/.ssh/k%u\n", i);
  g_file_set_contents_full (path, text->str, text->len, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);

  config = bw_ssh_config_load_file (path, &ctx, &error);
  g_assert_no_error (error);
  hosts = bw_ssh_config_get_hosts (config);
  g_assert_cmpuint (hosts->len, ==, 4);
  g_assert_cmpuint (((BwSshConfigHost *) g_ptr_array_index (hosts, 0))->port, ==, 22);
  g_assert_cmpuint (((BwSshConfigHost *) g_ptr_array_index (hosts, 1))->port, ==, 22);
  g_assert_cmpuint (((BwSshConfigHost *) g_ptr_array_index (hosts, 2))->port, ==, 2200);
  many = g_ptr_array_index (hosts, 3);
  g_assert_cmpuint (many->identity_files->len, ==, 100);
  g_assert_cmpuint (many->notes->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (many->notes, 0),
                            "limits.conf line 108: more than 100 IdentityFile lines apply; ssh stops with an error"));

  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      argv[4] = ports[i].name;
      g_assert_true (run_ssh (fixture, argv, &out, &err));
      g_assert_nonnull (strstr (out, ports[i].port_line));
    }

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    argv[4] = "many";
    g_assert_false (run_ssh (fixture, argv, &out, &err));
    g_assert_nonnull (strstr (err, "line 108: Too many identity files specified (max 100)"));
  }
}

static void
test_tilde_users (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const char *text =
    "Host mine\n  IdentityFile ~" LOCAL_USER "/.ssh/mine.key\n"
    "Host theirs\n  IdentityFile ~bob/.ssh/bob.key\n"
    "Host root\n  IdentityAgent ~\n"
    "Include ~bob/config\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = load_text (fixture, text, -1, 0, &error);
  GPtrArray *hosts;
  BwSshConfigHost *host;
  BwSshConfigSkip *skip;
  g_autofree char *mine = NULL;
  g_autofree char *home_slash = NULL;

  g_assert_no_error (error);
  hosts = bw_ssh_config_get_hosts (config);
  g_assert_cmpuint (hosts->len, ==, 3);

  host = g_ptr_array_index (hosts, 0);
  mine = g_build_filename (fixture->home, ".ssh", "mine.key", NULL);
  g_assert_cmpstr (g_ptr_array_index (host->identity_files, 0), ==, mine);

  host = g_ptr_array_index (hosts, 1);
  g_assert_cmpuint (host->identity_files->len, ==, 0);
  g_assert_nonnull (strstr (g_ptr_array_index (host->notes, 0),
                            "inline line 4: IdentityFile “~bob/.ssh/bob.key” not used: “~bob” is another account’s home directory"));

  /* ssh's tilde_expand() turns a bare "~" into the home with a slash. */
  host = g_ptr_array_index (hosts, 2);
  home_slash = g_strconcat (fixture->home, "/", NULL);
  g_assert_cmpstr (host->identity_agent, ==, home_slash);

  skip = g_ptr_array_index (bw_ssh_config_get_skipped (config), 0);
  g_assert_cmpuint (skip->line, ==, 7);
  g_assert_cmpstr (skip->text, ==, "~bob/config");
  g_assert_nonnull (strstr (skip->reason, "Include: “~bob” is another account’s home directory"));
}

static void
test_environment (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const char *text =
    "Host unset\n  IdentityFile ${NOT_SET}/key\n  IdentityAgent $ALSO_NOT_SET\n"
    "Host broken\n  IdentityFile ${UNCLOSED/key\n  IdentityAgent ${NOT_SET}/agent\n"
    "Host badname\n  IdentityAgent $not-a-name\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = load_text (fixture, text, -1, 0, &error);
  GPtrArray *skipped;
  BwSshConfigHost *host;

  g_assert_no_error (error);

  host = g_ptr_array_index (bw_ssh_config_get_hosts (config), 0);
  g_assert_cmpuint (host->identity_files->len, ==, 0);
  g_assert_nonnull (strstr (g_ptr_array_index (host->notes, 0), "the environment variable NOT_SET is not set (ssh refuses to connect)"));
  g_assert_cmpstr (host->identity_agent, ==, "none");
  g_assert_nonnull (strstr (g_ptr_array_index (host->notes, 1), "IdentityAgent $ALSO_NOT_SET: the variable is not set, so ssh uses no agent"));

  skipped = bw_ssh_config_get_skipped (config);
  g_assert_cmpuint (skipped->len, ==, 3);
  g_assert_cmpstr (((BwSshConfigSkip *) g_ptr_array_index (skipped, 0))->reason, ==, "“${” without a closing “}”");
  g_assert_false (((BwSshConfigSkip *) g_ptr_array_index (skipped, 0))->ssh_rejects);
  /* IdentityAgent's ${VAR} is checked when ssh reads the line, in any block. */
  g_assert_cmpstr (((BwSshConfigSkip *) g_ptr_array_index (skipped, 1))->reason, ==,
                   "IdentityAgent “${NOT_SET}/agent”: the environment variable NOT_SET is not set");
  g_assert_true (((BwSshConfigSkip *) g_ptr_array_index (skipped, 1))->ssh_rejects);
  g_assert_cmpstr (((BwSshConfigSkip *) g_ptr_array_index (skipped, 2))->reason, ==,
                   "IdentityAgent “$not-a-name” is not a valid environment variable name");
}

static void
test_null_context (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSshConfig) config = bw_ssh_config_load_data ("Host x\n  IdentityFile ~/.ssh/x.key\n", -1, NULL, NULL, &error);
  BwSshConfigHost *host;
  g_autofree char *expected = g_build_filename (g_get_home_dir (), ".ssh", "x.key", NULL);

  g_assert_no_error (error);
  host = g_ptr_array_index (bw_ssh_config_get_hosts (config), 0);
  g_assert_cmpstr (host->source_file, ==, "(data)");
  g_assert_cmpstr (g_ptr_array_index (host->identity_files, 0), ==, expected);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (config_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ssh-config/fixture/%s", config_cases[i].fixture);

      g_test_add (path, Fixture, &config_cases[i], fixture_set_up, test_config_case, fixture_tear_down);
    }

  g_test_add ("/ssh-config/strict", Fixture, NULL, fixture_set_up, test_strict, fixture_tear_down);
  g_test_add ("/ssh-config/no-include", Fixture, NULL, fixture_set_up, test_no_include, fixture_tear_down);
  g_test_add ("/ssh-config/io-errors", Fixture, NULL, fixture_set_up, test_io_errors, fixture_tear_down);
  g_test_add ("/ssh-config/include-depth", Fixture, NULL, fixture_set_up, test_include_depth, fixture_tear_down);
  g_test_add ("/ssh-config/robustness", Fixture, NULL, fixture_set_up, test_robustness, fixture_tear_down);
  g_test_add ("/ssh-config/large", Fixture, NULL, fixture_set_up, test_large, fixture_tear_down);
  g_test_add ("/ssh-config/limits", Fixture, NULL, fixture_set_up, test_limits, fixture_tear_down);
  g_test_add ("/ssh-config/tilde-users", Fixture, NULL, fixture_set_up, test_tilde_users, fixture_tear_down);
  g_test_add ("/ssh-config/environment", Fixture, NULL, fixture_set_up, test_environment, fixture_tear_down);
  g_test_add_func ("/ssh-config/null-context", test_null_context);

  return g_test_run ();
}
