// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-texts"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-catalog.h"
#include "bw-texts.h"

/*
 * The explanations are built from sentences, each one msgid with named variables
 * ({site}, {since}, …) so that a translation may put them in any order. Which sentences
 * appear depends on what is known: a "since" time, an estimate, the web cross-check, a
 * command. The sentences are looked up in the catalog of the language asked for, not
 * the UI's (see bw-catalog.h); English is the msgid itself.
 *
 * Client texts never call a ban an outage, never blame the client, and use no jargon.
 * The ban stages are always worded as "most likely" (DESIGN.md §4).
 */

G_DEFINE_QUARK (bw-texts-error-quark, bw_texts_error)

typedef struct {
  const char *code;
  const char *separator;   /* between sentences: Japanese does not put a space there */
} Language;

static const Language languages[] = {
  { "en", " " },
  { "ja", "" },
};

static const char * const language_codes[] = { "en", "ja", NULL };

typedef enum {
  WHEN_ALWAYS,
  WHEN_SINCE,
  WHEN_NO_SINCE,
  WHEN_WEB,
  WHEN_NO_WEB,
  WHEN_ESTIMATE,
  WHEN_NO_ESTIMATE,
  WHEN_COMMAND,
  WHEN_NO_COMMAND,
} When;

typedef enum {
  SECTION_HAPPENED,
  SECTION_TODO,
  SECTION_NOT,
  N_SECTIONS
} Section;

typedef struct {
  Section     section;     /* operator notes only */
  When        when;
  gboolean    own_line;    /* the command goes on a line of its own, indented */
  const char *msgid;
} Part;

#define END { 0, WHEN_ALWAYS, FALSE, NULL }

/* ---- Client sentences shared by several states ---- */

static const char c_web[] =
  N_("The website itself is working normally; visitors are not affected.");
static const char c_no_action[] =
  N_("No action is needed on your side.");
static const char c_resume[] =
  N_("We will resume the maintenance as soon as access is restored, or continue from a "
     "different network connection in the meantime.");
static const char c_estimate[] =
  /* Translators: {estimate} is e.g. "usually within 12–24 hours; expected around November 23, 15:30" */
  N_("Based on past experience, the restriction lifts by itself ({estimate}).");
static const char c_no_estimate[] =
  N_("Such a restriction lifts by itself after a while.");

/* ---- Operator sentences shared by the ban stages ---- */

static const char o_web_up[] =
  N_("The web server on the same address answers, so the server itself is up and only "
     "SSH from your address is affected.");
static const char o_wait_estimate[] =
  N_("Wait: the ban lifts by itself ({estimate}). Banwatch rechecks sparingly in the meantime.");
static const char o_wait_no_estimate[] =
  N_("Wait: the ban lifts by itself. There is no history for this server yet; hosts such as "
     "Xserver lift a ban after roughly half a day to a day, and there is no manual unban.");
static const char o_switch_ip[] =
  N_("Or switch your source IP address (phone tethering, mobile Wi-Fi, a fixed-IP line): "
     "fail2ban bans one address at a time, so another address gets through at once.");
static const char o_first_touch[] =
  N_("Make the first connection, from the new address or after the ban has lifted, with "
     "this command, which offers exactly one key:");
static const char o_first_touch_no_command[] =
  N_("Make the first connection, from the new address or after the ban has lifted, with "
     "Banwatch's hardened command for this site, which offers exactly one key "
     "(IdentitiesOnly=yes, IdentityAgent=none).");
static const char o_command[] = "{command}";
static const char o_no_parallel[] =
  N_("Don't run maintenance jobs in parallel against this server: each new connection can "
     "count as another failure and extend the ban.");
static const char o_no_plain_ssh[] =
  N_("Don't connect with a plain “ssh HOST”: it offers every agent key and every "
     "~/.ssh/id_* file in turn, and each rejected key counts as a failure.");

#define FIRST_TOUCH \
  { SECTION_TODO, WHEN_COMMAND, FALSE, o_first_touch }, \
  { SECTION_TODO, WHEN_COMMAND, TRUE, o_command }, \
  { SECTION_TODO, WHEN_NO_COMMAND, FALSE, o_first_touch_no_command }

#define WAIT_OR_SWITCH \
  { SECTION_TODO, WHEN_ESTIMATE, FALSE, o_wait_estimate }, \
  { SECTION_TODO, WHEN_NO_ESTIMATE, FALSE, o_wait_no_estimate }, \
  { SECTION_TODO, WHEN_ALWAYS, FALSE, o_switch_ip }, \
  FIRST_TOUCH

/* ---- unknown ---- */

static const Part client_unknown[] = {
  { 0, WHEN_ALWAYS, FALSE,
    N_("We have not checked the maintenance access to the server of {site} yet, so there "
       "is nothing to report at the moment.") },
  { 0, WHEN_WEB, FALSE, c_web },
  END
};

static const Part operator_unknown[] = {
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE, N_("{site} has not been checked yet.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Run a check when the connection budget allows; Banwatch probes with exactly one key.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  END
};

/* ---- healthy ---- */

static const Part client_healthy[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("The maintenance access to the server of {site} has been working normally since {since}.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("The maintenance access to the server of {site} is working normally.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_healthy[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} accepts the configured key: the last probe "
       "logged in with it and ran “echo ok”.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("The server of {site} accepts the configured key: the last probe logged in with it "
       "and ran “echo ok”.") },
  { SECTION_TODO, WHEN_COMMAND, FALSE,
    N_("Use the hardened command (or its Host block) for maintenance jobs, so that every "
       "connection offers exactly one key:") },
  { SECTION_TODO, WHEN_COMMAND, TRUE, o_command },
  { SECTION_TODO, WHEN_NO_COMMAND, FALSE,
    N_("Use Banwatch's hardened command (or its Host block) for maintenance jobs, so that "
       "every connection offers exactly one key.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_plain_ssh },
  END
};

/* ---- lighter-ban ---- */

static const Part client_lighter[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} has been turning away our maintenance connections.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("At the moment, the server of {site} is turning away our maintenance connections.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This is most likely the hosting provider's automatic security protection, which "
       "temporarily restricts access from a network address after repeated connections. It "
       "is a normal protective measure, not a fault or outage of the server.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ESTIMATE, FALSE, c_estimate },
  { 0, WHEN_NO_ESTIMATE, FALSE, c_no_estimate },
  { 0, WHEN_ALWAYS, FALSE, c_resume },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_lighter[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} accepts the TCP connection and closes it before "
       "sending its SSH banner.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("The server of {site} accepts the TCP connection and closes it before sending its "
       "SSH banner.") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("This is most likely the lighter ban stage: fail2ban, or sshd's own per-source "
       "limits, rejects your source address at the sshd level.") },
  { SECTION_HAPPENED, WHEN_WEB, FALSE, o_web_up },
  { SECTION_HAPPENED, WHEN_NO_WEB, FALSE,
    N_("The web cross-check did not confirm that the server is up, so an overloaded or "
       "failing server is also possible.") },
  WAIT_OR_SWITCH,
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't retry: in this stage every new connection counts as another failure, and a "
       "few more move the ban to the heavier stage (a firewall reject), which lasts longer.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_plain_ssh },
  END
};

/* ---- heavier-ban ---- */

static const Part client_heavier[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} has been refusing our maintenance connections.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("At the moment, the server of {site} is refusing our maintenance connections.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This is most likely the hosting provider's automatic security protection, which "
       "blocks a network address for a while after repeated connection attempts. It is a "
       "protective measure, not a fault or outage of the server.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ESTIMATE, FALSE, c_estimate },
  { 0, WHEN_NO_ESTIMATE, FALSE, c_no_estimate },
  { 0, WHEN_ALWAYS, FALSE, c_resume },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_heavier[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, connections to the SSH port of {site}'s server are refused.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("Connections to the SSH port of {site}'s server are refused.") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("This is most likely the heavier ban stage: fail2ban has added a firewall rule that "
       "rejects your source address.") },
  { SECTION_HAPPENED, WHEN_WEB, FALSE, o_web_up },
  { SECTION_HAPPENED, WHEN_NO_WEB, FALSE,
    N_("The web cross-check did not confirm that the server is up, so a stopped SSH service "
       "or a wrong port is also possible.") },
  WAIT_OR_SWITCH,
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't retry: while the ban is in place every attempt is refused, and fail2ban may "
       "count it and extend the ban.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_plain_ssh },
  END
};

/* ---- silent-block ---- */

static const Part client_silent[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} has not been answering our maintenance connections.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("At the moment, the server of {site} is not answering our maintenance connections.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This is most likely a temporary restriction by the hosting provider's security "
       "protection rather than a fault of the server.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ESTIMATE, FALSE, c_estimate },
  { 0, WHEN_NO_ESTIMATE, FALSE, c_no_estimate },
  { 0, WHEN_ALWAYS, FALSE, c_resume },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_silent[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, connections to the SSH port of {site}'s server get no answer at all "
       "(timeout).") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("Connections to the SSH port of {site}'s server get no answer at all (timeout).") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("This is most likely a firewall ban that silently drops your packets.") },
  { SECTION_HAPPENED, WHEN_WEB, FALSE, o_web_up },
  { SECTION_HAPPENED, WHEN_NO_WEB, FALSE,
    N_("The web cross-check did not answer either, so the server may be down or a network "
       "path may be broken.") },
  WAIT_OR_SWITCH,
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't retry: each attempt waits for the full timeout, and fail2ban may count it and "
       "extend the ban.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_plain_ssh },
  END
};

/* ---- server-down ---- */

static const Part client_server_down[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("Since {since}, the maintenance service of the server of {site} has not been "
       "responding properly.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("At the moment, the maintenance service of the server of {site} is not responding "
       "properly.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE,
    N_("We are looking into it and will contact the hosting provider if it does not "
       "recover soon.") },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_server_down[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, the SSH service of {site}'s server misbehaves: it accepts the "
       "connection but sends no banner in time, or drops the connection during the handshake.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("The SSH service of {site}'s server misbehaves: it accepts the connection but sends no "
       "banner in time, or drops the connection during the handshake.") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("The server looks overloaded or unstable (for example, sshd's MaxStartups limit). "
       "Nothing points to a ban of your address.") },
  { SECTION_HAPPENED, WHEN_WEB, FALSE,
    N_("The web server on the same address answers, so the machine itself is up.") },
  { SECTION_HAPPENED, WHEN_NO_WEB, FALSE,
    N_("The web cross-check did not answer either, so the whole server may be down.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Wait and let Banwatch recheck at its normal pace. If it persists, check the "
       "provider's status page or contact their support.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't hammer the server with retries: a struggling sshd drops new connections first, "
       "and some hosts count those drops as failures.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_parallel },
  END
};

/* ---- local-network ---- */

static const Part client_local_network[] = {
  { 0, WHEN_SINCE, FALSE,
    N_("Since {since}, our own internet connection has been interrupted, so we cannot reach "
       "the server of {site} for maintenance at the moment.") },
  { 0, WHEN_NO_SINCE, FALSE,
    N_("Our own internet connection is currently interrupted, so we cannot reach the server "
       "of {site} for maintenance at the moment.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This is on our side; your server and website are not affected by it.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("We will resume the maintenance as soon as our connection is back.") },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_local_network[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, every server fails at the TCP level, {site} included: the problem is "
       "this computer's own network (link, router, VPN or DNS), not the servers.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("Every server fails at the TCP level, {site} included: the problem is this computer's "
       "own network (link, router, VPN or DNS), not the servers.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Fix the local connection first; Banwatch checks again when the network is back.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't switch source addresses or contact providers about a ban: nothing points to one.") },
  END
};

/* ---- auth-problem ---- */

static const Part client_auth[] = {
  { 0, WHEN_ALWAYS, FALSE,
    N_("The server of {site} did not accept our maintenance login.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This concerns our access settings (for example, a login key that has to be "
       "registered again), not a fault of the server or the website.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE,
    N_("We are taking care of it. If we need help from you or from the hosting provider, "
       "we will let you know.") },
  END
};

static const Part operator_auth[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} rejects the one key Banwatch offers.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("The server of {site} rejects the one key Banwatch offers.") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("This is not a ban: the user name is wrong, or the key is not (or no longer) "
       "authorised on the server.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Check the user name and the key in the site's settings, and check that the public "
       "key is registered with the provider (control panel or authorized_keys).") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't retry again and again, and don't try other keys one after another: in "
       "fail2ban's ddos and aggressive modes every rejected key counts as a failure.") },
  END
};

/* ---- hostkey-alarm ---- */

static const Part client_hostkey_alarm[] = {
  { 0, WHEN_ALWAYS, FALSE,
    N_("As a security precaution, we have paused maintenance access to the server of "
       "{site}: the server identified itself differently than we expected.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This can happen when the hosting provider moves or renews the server. We will "
       "confirm it with the provider before we connect again.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE,
    N_("No action is needed on your side; we will contact you if we need anything.") },
  END
};

static const Part operator_hostkey_alarm[] = {
  { SECTION_HAPPENED, WHEN_SINCE, FALSE,
    N_("Since {since}, the server of {site} presents a host key that differs from the "
       "pinned one. No authentication was sent.") },
  { SECTION_HAPPENED, WHEN_NO_SINCE, FALSE,
    N_("The server of {site} presents a host key that differs from the pinned one. No "
       "authentication was sent.") },
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("This can be a legitimate move or reinstall of the server by the provider, or a "
       "man-in-the-middle attack.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Do not log in. Verify the new fingerprint with the provider over a separate channel "
       "(control panel or support). Only when it matches, pin it with “banwatch trust”.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't accept the new key blindly, don't delete the known_hosts entry to silence the "
       "warning, and don't use StrictHostKeyChecking=no.") },
  END
};

/* ---- needs-trust ---- */

static const Part client_needs_trust[] = {
  { 0, WHEN_ALWAYS, FALSE,
    N_("We are setting up maintenance access to the server of {site}: before the first "
       "connection, we confirm the server's identity. This is a routine security step.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_needs_trust[] = {
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("Banwatch has not pinned a host key for {site} yet; the first contact stopped before "
       "authentication.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Compare the SHA256 fingerprint with the one the provider publishes, then trust it "
       "explicitly with “banwatch trust”.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE,
    N_("Don't trust a fingerprint you have not compared.") },
  END
};

/* ---- config-error ---- */

static const Part client_config_error[] = {
  { 0, WHEN_ALWAYS, FALSE,
    N_("We need to correct a setting on our side before we can check the maintenance access "
       "to the server of {site}.") },
  { 0, WHEN_ALWAYS, FALSE,
    N_("This concerns our own configuration, not your server or website.") },
  { 0, WHEN_WEB, FALSE, c_web },
  { 0, WHEN_ALWAYS, FALSE, c_no_action },
  END
};

static const Part operator_config_error[] = {
  { SECTION_HAPPENED, WHEN_ALWAYS, FALSE,
    N_("The settings of {site} prevent a check: the key is missing, unreadable, too open or "
       "cannot be decrypted, the host name does not resolve, or the server does not speak a "
       "compatible SSH. No login was attempted.") },
  { SECTION_TODO, WHEN_ALWAYS, FALSE,
    N_("Fix the site's settings (“banwatch sites edit”) and check again.") },
  { SECTION_NOT, WHEN_ALWAYS, FALSE, o_no_plain_ssh },
  END
};

typedef struct {
  const Part *client;
  const Part *operator;
} StateTexts;

static const StateTexts state_texts[BW_N_SITE_STATES] = {
  [BW_SITE_STATE_UNKNOWN] = { client_unknown, operator_unknown },
  [BW_SITE_STATE_HEALTHY] = { client_healthy, operator_healthy },
  [BW_SITE_STATE_LIGHTER_BAN] = { client_lighter, operator_lighter },
  [BW_SITE_STATE_HEAVIER_BAN] = { client_heavier, operator_heavier },
  [BW_SITE_STATE_SILENT_BLOCK] = { client_silent, operator_silent },
  [BW_SITE_STATE_SERVER_DOWN] = { client_server_down, operator_server_down },
  [BW_SITE_STATE_LOCAL_NETWORK] = { client_local_network, operator_local_network },
  [BW_SITE_STATE_AUTH_PROBLEM] = { client_auth, operator_auth },
  [BW_SITE_STATE_HOSTKEY_ALARM] = { client_hostkey_alarm, operator_hostkey_alarm },
  [BW_SITE_STATE_NEEDS_TRUST] = { client_needs_trust, operator_needs_trust },
  [BW_SITE_STATE_CONFIG_ERROR] = { client_config_error, operator_config_error },
};

static const char * const section_titles[N_SECTIONS] = {
  [SECTION_HAPPENED] = N_("What happened"),
  [SECTION_TODO] = N_("What to do"),
  [SECTION_NOT] = N_("What not to do"),
};

/* ---- Dates and estimates ---- */

/* A message context keeps month names apart from any other "May". */
#define MONTH_CONTEXT "month"

static const char * const month_names[12] = {
  NC_("month", "January"), NC_("month", "February"), NC_("month", "March"),
  NC_("month", "April"), NC_("month", "May"), NC_("month", "June"),
  NC_("month", "July"), NC_("month", "August"), NC_("month", "September"),
  NC_("month", "October"), NC_("month", "November"), NC_("month", "December"),
};

static const char date_format[] =
  /* Translators: a point in time; {month} is a month name, {day} the day of the month
   * and {time} "15:30". */
  N_("{month} {day}, {time}");
static const char estimate_range[] =
  /* Translators: how long a ban usually lasts; {low} and {high} are numbers of hours */
  N_("usually within {low}–{high} hours");
static const char estimate_single[] =
  N_("usually within about {hours} hours");
static const char estimate_minutes[] =
  N_("usually within about {minutes} minutes");
static const char estimate_and_when[] =
  /* Translators: {range} is e.g. "usually within 12–24 hours", {when} a date and time */
  N_("{range}; expected around {when}");
static const char estimate_when_only[] =
  N_("expected around {when}");

/* ---- Translation and expansion ---- */

static const Language *
find_language (const char  *lang,
               GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    if (g_strcmp0 (lang, languages[i].code) == 0)
      return &languages[i];

  g_set_error (error, BW_TEXTS_ERROR, BW_TEXTS_ERROR_LANGUAGE,
               _("There are no texts in “%s”; choose one of: en, ja."), lang != NULL ? lang : "");
  return NULL;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The sorted, de-duplicated names of the {variables} in @text. */
static GPtrArray *
collect_variables (const char *text)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (const char *p = text; *p != '\0'; p++)
    {
      gsize length;

      if (*p != '{')
        continue;
      length = strspn (p + 1, "abcdefghijklmnopqrstuvwxyz_");
      if (length == 0 || p[1 + length] != '}')
        continue;

      {
        g_autofree char *name = g_strndup (p + 1, length);
        gboolean seen = FALSE;

        for (guint i = 0; i < names->len && !seen; i++)
          seen = g_str_equal (g_ptr_array_index (names, i), name);
        if (!seen)
          g_ptr_array_add (names, g_steal_pointer (&name));
      }
      p += length + 1;
    }

  g_ptr_array_sort (names, compare_names);
  return names;
}

static gboolean
same_variables (const char *a,
                const char *b)
{
  g_autoptr(GPtrArray) va = collect_variables (a);
  g_autoptr(GPtrArray) vb = collect_variables (b);

  if (va->len != vb->len)
    return FALSE;
  for (guint i = 0; i < va->len; i++)
    if (!g_str_equal (g_ptr_array_index (va, i), g_ptr_array_index (vb, i)))
      return FALSE;
  return TRUE;
}

static char *
catalog_key (const char *context,
             const char *msgid)
{
  return context != NULL ? g_strconcat (context, "\004", msgid, NULL) : g_strdup (msgid);
}

/* Looks @msgid up in the catalog of @lang. At run time a missing catalog, a missing
 * translation, or one whose variables differ from the msgid's falls back to English:
 * a client text must never come out half-filled. bw_texts_check_catalog() is the
 * strict check the tests run. */
static const char *
translate_full (const Language *language,
                const char     *context,
                const char     *msgid,
                gboolean       *out_translated)
{
  g_autoptr(BwCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  const char *translation;

  *out_translated = FALSE;
  if (g_str_equal (language->code, "en"))
    return msgid;

  catalog = bw_catalog_get_for_language (language->code, &error);
  if (catalog == NULL)
    {
      g_debug ("No %s catalog, using English: %s", language->code, error->message);
      return msgid;
    }

  key = catalog_key (context, msgid);
  translation = bw_catalog_lookup (catalog, key);
  if (translation == NULL)
    {
      g_debug ("No %s translation of “%s”, using English", language->code, msgid);
      return msgid;
    }
  if (!same_variables (msgid, translation))
    {
      g_debug ("The %s translation of “%s” has other variables, using English", language->code, msgid);
      return msgid;
    }

  /* The catalog lives in a process-wide cache, so the string outlives this reference. */
  *out_translated = TRUE;
  return translation;
}

static const char *
translate (const Language *language,
           const char     *context,
           const char     *msgid)
{
  gboolean translated;

  return translate_full (language, context, msgid, &translated);
}

typedef struct {
  const char *name;
  const char *value;   /* NULL: not known; a template that needs it is a bug */
} Variable;

/* Fills in the {variables} in one pass: a value that itself contains "{since}" is
 * copied as it is, never expanded again. */
static gboolean
expand (const char      *template,
        const Variable  *variables,
        guint            n_variables,
        GString         *out,
        GError         **error)
{
  const char *p = template;

  while (*p != '\0')
    {
      const char *open = strchr (p, '{');
      gsize length;

      if (open == NULL)
        {
          g_string_append (out, p);
          break;
        }

      g_string_append_len (out, p, open - p);
      length = strspn (open + 1, "abcdefghijklmnopqrstuvwxyz_");
      if (length == 0 || open[1 + length] != '}')
        {
          g_string_append_c (out, '{');
          p = open + 1;
          continue;
        }

      {
        const Variable *found = NULL;

        for (guint i = 0; i < n_variables && found == NULL; i++)
          if (strncmp (variables[i].name, open + 1, length) == 0 && variables[i].name[length] == '\0')
            found = &variables[i];

        if (found == NULL || found->value == NULL)
          {
            g_set_error (error, BW_TEXTS_ERROR, BW_TEXTS_ERROR_TEMPLATE,
                         _("The text “%s” uses {%.*s}, which has no value here."),
                         template, (int) length, open + 1);
            return FALSE;
          }
        g_string_append (out, found->value);
      }
      p = open + 1 + length + 1;
    }

  return TRUE;
}

static char *
format_since (const Language  *language,
              GDateTime       *since,
              GError         **error)
{
  g_autofree char *day = g_strdup_printf ("%d", g_date_time_get_day_of_month (since));
  g_autofree char *time = g_date_time_format (since, "%H:%M");
  const char *month_msgid = month_names[g_date_time_get_month (since) - 1];
  const Variable variables[] = {
    { "month", translate (language, MONTH_CONTEXT, month_msgid) },
    { "day", day },
    { "time", time },
  };
  g_autoptr(GString) out = g_string_new (NULL);

  if (!expand (translate (language, NULL, date_format), variables, G_N_ELEMENTS (variables), out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * bw_texts_format_since:
 * @since: a point in time, shown in its own time zone
 * @lang: "en" or "ja"
 *
 * Returns: (transfer full) (nullable): e.g. "November 22, 15:30" or "11月22日 15:30"
 */
char *
bw_texts_format_since (GDateTime   *since,
                       const char  *lang,
                       GError     **error)
{
  const Language *language = find_language (lang, error);

  g_return_val_if_fail (since != NULL, NULL);

  if (language == NULL)
    return NULL;
  return format_since (language, since, error);
}

static char *
format_hours (double hours)
{
  /* One decimal below ten hours ("1.5"), whole hours above: a client does not need more. */
  if (hours < 10.0 && fabs (hours - round (hours)) >= 0.05)
    return g_strdup_printf ("%.1f", hours);
  return g_strdup_printf ("%.0f", round (hours));
}

/**
 * bw_texts_format_estimate:
 * @min_hours: the shortest ban seen (or the provider's figure); 0 when unknown
 * @max_hours: the longest; 0 when unknown
 * @expected_at: (nullable): when this ban is expected to lift
 * @lang: "en" or "ja"
 *
 * Builds the {estimate} of the explanations in @lang, which may differ from the UI's.
 *
 * Returns: (transfer full) (nullable): e.g. "usually within 12–24 hours; expected around
 *   November 23, 15:30", or %NULL without an error when nothing is known
 */
char *
bw_texts_format_estimate (double       min_hours,
                          double       max_hours,
                          GDateTime   *expected_at,
                          const char  *lang,
                          GError     **error)
{
  const Language *language = find_language (lang, error);
  g_autoptr(GString) range = g_string_new (NULL);
  g_autofree char *when = NULL;

  if (language == NULL)
    return NULL;

  if (!isfinite (min_hours) || !isfinite (max_hours) || min_hours < 0 || max_hours < 0)
    min_hours = max_hours = 0;
  if (max_hours < min_hours)
    max_hours = min_hours;

  if (max_hours > 0 && max_hours < 1.0)
    {
      g_autofree char *minutes = g_strdup_printf ("%.0f", ceil (max_hours * 60));
      const Variable variables[] = { { "minutes", minutes } };

      if (!expand (translate (language, NULL, estimate_minutes), variables, 1, range, error))
        return NULL;
    }
  else if (max_hours > 0)
    {
      g_autofree char *low = format_hours (min_hours);
      g_autofree char *high = format_hours (max_hours);

      if (g_str_equal (low, high) || min_hours == 0)
        {
          const Variable variables[] = { { "hours", high } };

          if (!expand (translate (language, NULL, estimate_single), variables, 1, range, error))
            return NULL;
        }
      else
        {
          const Variable variables[] = { { "low", low }, { "high", high } };

          if (!expand (translate (language, NULL, estimate_range), variables, 2, range, error))
            return NULL;
        }
    }

  if (expected_at != NULL)
    {
      when = format_since (language, expected_at, error);
      if (when == NULL)
        return NULL;
    }

  if (range->len > 0 && when != NULL)
    {
      const Variable variables[] = { { "range", range->str }, { "when", when } };
      g_autoptr(GString) out = g_string_new (NULL);

      if (!expand (translate (language, NULL, estimate_and_when), variables, 2, out, error))
        return NULL;
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (when != NULL)
    {
      const Variable variables[] = { { "when", when } };
      g_autoptr(GString) out = g_string_new (NULL);

      if (!expand (translate (language, NULL, estimate_when_only), variables, 1, out, error))
        return NULL;
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (range->len > 0)
    return g_string_free (g_steal_pointer (&range), FALSE);
  return NULL;
}

/* ---- Composition ---- */

static gboolean
part_applies (const Part       *part,
              const BwTextVars *vars)
{
  switch (part->when)
    {
    case WHEN_ALWAYS:
      return TRUE;
    case WHEN_SINCE:
      return vars->since != NULL;
    case WHEN_NO_SINCE:
      return vars->since == NULL;
    case WHEN_WEB:
      return vars->web_answered;
    case WHEN_NO_WEB:
      return !vars->web_answered;
    case WHEN_ESTIMATE:
      return vars->estimate != NULL && *vars->estimate != '\0';
    case WHEN_NO_ESTIMATE:
      return vars->estimate == NULL || *vars->estimate == '\0';
    case WHEN_COMMAND:
      return vars->command != NULL && *vars->command != '\0';
    case WHEN_NO_COMMAND:
      return vars->command == NULL || *vars->command == '\0';
    default:
      g_assert_not_reached ();
    }
}

static const Language *
check_request (BwSiteState        state,
               const BwTextVars  *vars,
               const char        *lang,
               GError           **error)
{
  const Language *language = find_language (lang, error);

  if (language == NULL)
    return NULL;

  if ((guint) state >= BW_N_SITE_STATES)
    {
      g_set_error (error, BW_TEXTS_ERROR, BW_TEXTS_ERROR_STATE,
                   _("%d is not a site state."), (int) state);
      return NULL;
    }

  if (vars == NULL || vars->site == NULL || *vars->site == '\0' ||
      !g_utf8_validate (vars->site, -1, NULL))
    {
      g_set_error (error, BW_TEXTS_ERROR, BW_TEXTS_ERROR_VARS,
                   _("The explanation needs the site's name as UTF-8 text."));
      return NULL;
    }

  return language;
}

static gboolean
render_parts (const Language    *language,
              const Part        *parts,
              const BwTextVars  *vars,
              gboolean           by_section,
              GString           *out,
              GError           **error)
{
  g_autofree char *since = NULL;
  Variable variables[4];

  if (vars->since != NULL)
    {
      since = format_since (language, vars->since, error);
      if (since == NULL)
        return FALSE;
    }

  variables[0] = (Variable) { "site", vars->site };
  variables[1] = (Variable) { "since", since };
  variables[2] = (Variable) { "estimate", vars->estimate != NULL && *vars->estimate != '\0' ? vars->estimate : NULL };
  variables[3] = (Variable) { "command", vars->command != NULL && *vars->command != '\0' ? vars->command : NULL };

  for (guint section = 0; section < (by_section ? N_SECTIONS : 1); section++)
    {
      gboolean section_started = FALSE;
      gboolean need_separator = FALSE;
      gboolean after_command = FALSE;
      gboolean previous_translated = TRUE;

      for (const Part *part = parts; part->msgid != NULL; part++)
        {
          if ((by_section && part->section != section) || !part_applies (part, vars))
            continue;

          if (by_section && !section_started)
            {
              if (out->len > 0)
                g_string_append (out, "\n\n");
              g_string_append (out, translate (language, NULL, section_titles[section]));
              g_string_append_c (out, '\n');
            }
          section_started = TRUE;

          if (part->own_line)
            {
              /* The command is copied, not read: its own indented line. */
              g_string_append (out, "\n    ");
              if (!expand (part->msgid, variables, G_N_ELEMENTS (variables), out, error))
                return FALSE;
              after_command = TRUE;
              continue;
            }

          {
            gboolean translated;
            const char *sentence = translate_full (language, NULL, part->msgid, &translated);

            /* An English fallback next to a Japanese sentence still needs its space. */
            if (after_command)
              g_string_append_c (out, '\n');
            else if (need_separator)
              g_string_append (out, translated && previous_translated ? language->separator : " ");

            if (!expand (sentence, variables, G_N_ELEMENTS (variables), out, error))
              return FALSE;
            previous_translated = translated || g_str_equal (language->code, "en");
          }
          need_separator = TRUE;
          after_command = FALSE;
        }
    }

  return TRUE;
}

/* The client paragraph or, with @operator_notes, the operator's sections. */
static char *
render_text (BwSiteState        state,
             const BwTextVars  *vars,
             const char        *lang,
             gboolean           operator_notes,
             GError           **error)
{
  const Language *language = check_request (state, vars, lang, error);
  g_autoptr(GString) out = NULL;

  if (language == NULL)
    return NULL;

  out = g_string_new (NULL);
  if (!render_parts (language, operator_notes ? state_texts[state].operator : state_texts[state].client,
                     vars, operator_notes, out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * bw_texts_client:
 * @state: the site's state
 * @vars: what is known: the site's name, since when, the estimate, the web check
 * @lang: "en" or "ja"; independent of the UI's language
 *
 * A calm paragraph for the site's owner, without jargon. A ban is never called an
 * outage, and when the web cross-check answered it says the website is unaffected.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL with @error set for an unknown
 *   language or state, or a missing site name
 */
char *
bw_texts_client (BwSiteState        state,
                 const BwTextVars  *vars,
                 const char        *lang,
                 GError           **error)
{
  return render_text (state, vars, lang, FALSE, error);
}

/**
 * bw_texts_operator:
 * @state: the site's state
 * @vars: what is known; @vars->command is shown as the first-touch command
 * @lang: "en" or "ja"
 *
 * Notes for the person doing the maintenance, in three sections: what happened, what to
 * do (wait, or switch the source address and use the first-touch command), and what not
 * to do (retry, parallel jobs, a plain ssh).
 *
 * Returns: (transfer full) (nullable): the text, or %NULL with @error set
 */
char *
bw_texts_operator (BwSiteState        state,
                   const BwTextVars  *vars,
                   const char        *lang,
                   GError           **error)
{
  return render_text (state, vars, lang, TRUE, error);
}

/**
 * bw_texts_get_languages:
 *
 * Returns: (transfer none): the languages of the explanations, %NULL-terminated
 */
const char * const *
bw_texts_get_languages (void)
{
  return language_codes;
}

/**
 * bw_texts_is_language:
 *
 * Returns: %TRUE when @lang is one of bw_texts_get_languages()
 */
gboolean
bw_texts_is_language (const char *lang)
{
  return find_language (lang, NULL) != NULL;
}

static void
add_unique (GPtrArray  *keys,
            const char *context,
            const char *msgid)
{
  g_autofree char *key = catalog_key (context, msgid);

  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_ptr_array_index (keys, i), key))
      return;
  g_ptr_array_add (keys, g_steal_pointer (&key));
}

/**
 * bw_texts_get_msgids:
 *
 * Every string the explanations may use, as catalog keys (a context, if any, is joined
 * with "\004" as in .mo files).
 *
 * Returns: (transfer full) (element-type utf8): the keys
 */
GPtrArray *
bw_texts_get_msgids (void)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  for (guint s = 0; s < BW_N_SITE_STATES; s++)
    {
      for (const Part *part = state_texts[s].client; part->msgid != NULL; part++)
        if (!part->own_line)
          add_unique (keys, NULL, part->msgid);
      for (const Part *part = state_texts[s].operator; part->msgid != NULL; part++)
        if (!part->own_line)
          add_unique (keys, NULL, part->msgid);
    }
  for (guint i = 0; i < N_SECTIONS; i++)
    add_unique (keys, NULL, section_titles[i]);
  for (guint i = 0; i < G_N_ELEMENTS (month_names); i++)
    add_unique (keys, MONTH_CONTEXT, month_names[i]);
  add_unique (keys, NULL, date_format);
  add_unique (keys, NULL, estimate_range);
  add_unique (keys, NULL, estimate_single);
  add_unique (keys, NULL, estimate_minutes);
  add_unique (keys, NULL, estimate_and_when);
  add_unique (keys, NULL, estimate_when_only);

  return keys;
}

/**
 * bw_texts_check_catalog:
 * @lang: a language of bw_texts_get_languages()
 *
 * The strict check behind the run-time fallback: the catalog of @lang exists and
 * translates every string of the explanations, with the same {variables}.
 *
 * Returns: %TRUE when complete; otherwise %FALSE with @error listing what is missing
 */
gboolean
bw_texts_check_catalog (const char  *lang,
                        GError     **error)
{
  const Language *language = find_language (lang, error);
  g_autoptr(BwCatalog) catalog = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GString) problems = NULL;
  guint n_problems = 0;

  if (language == NULL)
    return FALSE;
  if (g_str_equal (language->code, "en"))
    return TRUE;

  catalog = bw_catalog_get_for_language (language->code, error);
  if (catalog == NULL)
    return FALSE;

  keys = bw_texts_get_msgids ();
  problems = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *msgid = strchr (key, '\004') != NULL ? strchr (key, '\004') + 1 : key;
      const char *translation = bw_catalog_lookup (catalog, key);

      if (translation == NULL)
        g_string_append_printf (problems, "\n  %s: %s", _("missing"), msgid);
      else if (!same_variables (msgid, translation))
        g_string_append_printf (problems, "\n  %s: %s", _("other {variables}"), msgid);
      else
        continue;
      n_problems++;
    }

  if (n_problems > 0)
    {
      g_set_error (error, BW_TEXTS_ERROR, BW_TEXTS_ERROR_CATALOG,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The “%s” catalog lacks %u explanation string:%s",
                                "The “%s” catalog lacks %u explanation strings:%s",
                                n_problems),
                   language->code, n_problems, problems->str);
      return FALSE;
    }

  return TRUE;
}
