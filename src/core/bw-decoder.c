// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-decoder"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-decoder.h"

/*
 * The error decoder: a pasted error text in, the observation it shows out.
 *
 * Each line of the paste is matched against a table of real message shapes from
 * OpenSSH (with and without -v), sshd's log, paramiko, libssh, PuTTY/plink, FileZilla
 * and WinSCP. A row matches when all its needles occur in the line, in order, ignoring
 * ASCII case. When several rows match, the most specific one wins (the highest
 * priority; on a tie, the later line, which is closer to the final error). A row that
 * names no cause ("Could not connect to server") only wins when nothing else matched.
 *
 * Some messages mean different things depending on how far the connection got. OpenSSH
 * prints "Connection closed by HOST port PORT" both right after the kex_exchange_
 * identification line (before the banner: the lighter ban stage) and for a close during
 * the key exchange; PuTTY's "Server unexpectedly closed network connection" comes before
 * or after the login. For those rows the decoder looks at the progress lines before the
 * deciding one: "Remote protocol version" (ssh -v), "Server version:" (PuTTY's event
 * log), "Authentications that can continue", "Authenticated to", "Access granted", …
 *
 * Text that matches nothing is "not recognised": no observation, and no guess.
 *
 * The decoder reads at most 256 KiB: the first 64 KiB (where -v shows the progress) and
 * the last 192 KiB (where the final error is).
 */

#define NO_OBSERVATION   (-1)
#define MAX_DECODED_BYTES        (256 * 1024)
#define HEAD_DECODED_BYTES       (64 * 1024)
#define MAX_LINE_CHARS   400

typedef enum {
  KIND_DECIDE,            /* the row decides the observation */
  KIND_CLOSE,             /* a close or reset: its meaning depends on the progress before it */
  KIND_TIMEOUT_AFTER,     /* a timeout after the TCP connect: banner, or later */
  KIND_PARAMIKO_BANNER,   /* paramiko's banner error: EOF or timeout, from the traceback */
  KIND_SUMMARY,           /* recognised, but names no cause */
  KIND_MARKER,            /* a progress line, not an error */
} Kind;

typedef enum {
  PHASE_NONE,
  PHASE_TCP,              /* connected */
  PHASE_BANNER,           /* the server's SSH banner arrived */
  PHASE_AUTH,             /* authentication started */
  PHASE_AUTHENTICATED,    /* logged in */
} Phase;

static const char * const phase_words[] = {
  [PHASE_NONE] = "none",
  [PHASE_TCP] = "connected",
  [PHASE_BANNER] = "banner",
  [PHASE_AUTH] = "authenticating",
  [PHASE_AUTHENTICATED] = "logged-in",
};

typedef struct {
  const char          *id;
  const char          *source;
  Kind                 kind;
  const char          *needles[3];
  const char          *excludes[2];
  int                  observation;
  BwDecodeConfidence   confidence;
  guint8               priority;
  Phase                phase;        /* markers: the phase the line proves; others: the least */
  const char          *explanation;
  const char          *example;
} Rule;

#define HIGH   BW_DECODE_CONFIDENCE_HIGH
#define MEDIUM BW_DECODE_CONFIDENCE_MEDIUM
#define LOW    BW_DECODE_CONFIDENCE_LOW
#define NONE   BW_DECODE_CONFIDENCE_NONE

#define OK       BW_OBSERVATION_OK
#define REJECTED BW_OBSERVATION_AUTH_REJECTED
#define UNKNOWN  BW_OBSERVATION_HOSTKEY_UNKNOWN
#define CHANGED  BW_OBSERVATION_HOSTKEY_CHANGED
#define CBB      BW_OBSERVATION_CLOSED_BEFORE_BANNER
#define CDH      BW_OBSERVATION_CLOSED_DURING_HANDSHAKE
#define REFUSED  BW_OBSERVATION_REFUSED
#define TIMEOUT  BW_OBSERVATION_TIMEOUT
#define BTIMEOUT BW_OBSERVATION_BANNER_TIMEOUT
#define MISMATCH BW_OBSERVATION_PROTOCOL_MISMATCH
#define DNS      BW_OBSERVATION_DNS_FAILED
#define UNREACH  BW_OBSERVATION_NETWORK_UNREACHABLE
#define KEY      BW_OBSERVATION_KEY_UNUSABLE

/* ---- Explanations ---- */

static const char e_refused[] =
  N_("The server answered the connection attempt with a refusal (a TCP reset or an ICMP "
     "“port unreachable”). This is typical of the heavier ban stage, where fail2ban rejects "
     "your address in the firewall; it can also mean that the SSH service is down or the "
     "port is wrong. If the website on the same server works and the port is right, a ban "
     "is likely.");
static const char e_timeout[] =
  N_("The connection attempt got no answer at all. A firewall that silently drops your "
     "packets (a DROP-style ban) looks like this, and so do a server that is down and a "
     "broken network path.");
static const char e_no_route[] =
  N_("The network reported that the host cannot be reached (no route). This is usually on "
     "your side or along the path; some firewalls also reject with this message. If other "
     "servers work, treat it like a refusal.");
static const char e_net_unreachable[] =
  N_("Your computer has no route to the network: the problem is on your side (Wi-Fi, "
     "cable, VPN), not the server's.");
static const char e_dns[] =
  N_("The host name could not be resolved. Check its spelling in the site's settings, and "
     "whether the domain still exists.");
static const char e_dns_temporary[] =
  N_("Name resolution failed temporarily: your own DNS or network connection is not "
     "working right now. This is not a problem of the server.");
static const char e_closed_before_banner[] =
  N_("The server accepted the TCP connection and closed it before sending its SSH banner. "
     "This is the lighter ban stage: sshd itself turns your address away (fail2ban, "
     "per-source limits or MaxStartups). Retrying now can escalate the ban to a firewall "
     "reject.");
static const char e_reset_before_banner[] =
  N_("The server accepted the TCP connection and reset it before sending its SSH banner. "
     "Banwatch treats this like a close: the lighter ban stage, where sshd turns your "
     "address away. Retrying now can escalate the ban to a firewall reject.");
static const char e_closed_lone[] =
  N_("The server closed the connection. OpenSSH prints this line right after "
     "“kex_exchange_identification: Connection closed by remote host”, which is the "
     "lighter ban stage; if “ssh -v” showed “Remote protocol version” before it, the server "
     "closed during the handshake instead.");
static const char e_closed_generic[] =
  N_("The server closed or reset the connection. Before any SSH banner this is typically "
     "the lighter ban stage (sshd turning your address away); the lines before it, for "
     "example from “ssh -v” or PuTTY's event log, tell how far the connection got.");
static const char e_during_handshake[] =
  N_("The server sent its SSH banner and then closed the connection before authentication "
     "finished. An unstable or overloaded sshd, or a server-side rule that rejects your "
     "address after the banner, looks like this.");
static const char e_during_auth[] =
  N_("The server closed the connection during authentication. This happens when too many "
     "keys are offered (MaxAuthTries) or when the server rejects the user; each failed key "
     "can count toward a ban.");
static const char e_after_login[] =
  N_("The login had succeeded; the connection ended afterwards. This is not a ban.");
static const char e_banner_timeout[] =
  N_("The server accepted the TCP connection but sent no SSH banner in time. An overloaded "
     "or tarpitting sshd looks like this; a TCP-wrapper ban also closes only after several "
     "seconds.");
static const char e_timeout_in_handshake[] =
  N_("The connection timed out after the SSH banner, during the handshake: the server or "
     "the path is unstable.");
static const char e_not_ssh[] =
  N_("Something other than an SSH server answered on that port (for example a web server "
     "or a proxy). Check the port in the site's settings.");
static const char e_protocol[] =
  N_("The server and your client share no key exchange, host key, cipher or MAC algorithm. "
     "This is a configuration matter (a very old or very strict server), not a ban.");
static const char e_signature[] =
  N_("The server does not accept the signature algorithm of your key (for example an RSA "
     "key signed with SHA-1). Use an Ed25519 key, or a client that signs with rsa-sha2. This "
     "is not a ban.");
static const char e_auth[] =
  N_("The server rejected the offered key or keys: the user name is wrong, or the key is "
     "not authorised. This is not a ban, but each rejected key can count as a failure for "
     "fail2ban.");
static const char e_too_many[] =
  N_("The server gave up after too many authentication attempts (MaxAuthTries). Your client "
     "offered several keys, typically every agent key and ~/.ssh/id_* file, and fail2ban "
     "counts this as a failure. Connect with IdentitiesOnly=yes and IdentityAgent=none so "
     "that only the right key is offered.");
static const char e_password[] =
  N_("The server rejected a password or an interactive login. Banwatch only uses keys; "
     "check which method your tool used. Repeated failures count toward a ban.");
static const char e_hostkey_changed[] =
  N_("The server's host key differs from the one recorded for it. This can be a reinstalled "
     "or moved server, or a man-in-the-middle attack. Do not log in; verify the new "
     "fingerprint with the provider first.");
static const char e_hostkey_unknown[] =
  N_("The server's host key is not known yet, so the client stopped before authentication. "
     "Compare the fingerprint with the provider's before you trust it.");
static const char e_hostkey_failed[] =
  N_("The client refused the server's host key: either it is not known yet, or it changed "
     "(then the output above shows a large warning). Read the full output before trusting "
     "anything.");
static const char e_key_permissions[] =
  N_("The private key file is readable by other users, so the client ignores it. Make it "
     "private (chmod 600). No ban is involved.");
static const char e_key_passphrase[] =
  N_("The private key could not be decrypted: the passphrase is wrong or missing. No ban "
     "is involved.");
static const char e_key_format[] =
  N_("The key file could not be read as a private key (the wrong file, damaged, or an "
     "unsupported format). No ban is involved.");
static const char e_key_missing[] =
  N_("The key file given does not exist or cannot be read; the client then falls back to "
     "other keys, and each of those can cost a failed attempt.");
static const char e_config_permissions[] =
  N_("Your ~/.ssh/config (or ~/.ssh) can be written by others, so ssh refuses to use it "
     "and stops before connecting. Fix the permissions (chmod 600 ~/.ssh/config).");
static const char e_agent_sign[] =
  N_("The ssh-agent could not sign with the key (for example a hardware key that is not "
     "plugged in, or a confirmation that was refused). This is local; no ban is involved.");
static const char e_summary[] =
  N_("This line only says that the connection failed. Paste the lines before it: they name "
     "the cause.");
static const char e_summary_git[] =
  N_("git only reports that ssh failed. Paste the ssh messages above this line.");
static const char e_broken_pipe[] =
  N_("The session had been established and the connection then broke (a network change, "
     "sleep, or a firewall dropping idle connections). On its own this says nothing about "
     "a ban.");
static const char e_agent_connect[] =
  N_("No ssh-agent is reachable through SSH_AUTH_SOCK. That only matters for keys held by "
     "the agent; it says nothing about the server.");
static const char e_maxstartups[] =
  N_("The server's log shows sshd dropping new unauthenticated connections (MaxStartups). "
     "Clients then see the connection closed before the banner: the lighter stage.");
static const char e_libwrap[] =
  N_("The server's log shows sshd refusing the address through TCP wrappers (hosts.deny), "
     "which fail2ban's hostsdeny action uses: the lighter ban stage.");
static const char e_sshd_auth_close[] =
  N_("The server's log shows that the client gave up during authentication, usually because "
     "none of the offered keys was accepted.");
static const char e_paramiko_banner[] =
  N_("paramiko got no SSH banner: the server closed the connection before it (EOFError: the "
     "lighter ban stage) or sent nothing in time (a timeout). The traceback above the "
     "message tells which.");
static const char e_paramiko_eof[] =
  N_("paramiko's connection was closed before the SSH banner (EOFError): the lighter ban "
     "stage, where sshd turns your address away. Retrying now can escalate the ban.");
static const char e_paramiko_timeout[] =
  N_("paramiko connected but received no SSH banner in time: an overloaded or tarpitting "
     "sshd.");
static const char e_paramiko_novalid[] =
  N_("paramiko could not connect to any address of the host; it raises this for refused "
     "connections (and for “no route to host”). A refusal is typical of the heavier ban "
     "stage, a firewall reject.");
static const char e_authenticated[] =
  N_("The login succeeded.");
static const char e_session_closed[] =
  N_("You were logged in; the server ended the session later (for example a reboot or an "
     "idle timeout). This is not a ban.");
static const char e_winscp_exit[] =
  N_("WinSCP had logged in; the server then ended the session at once (a shell or SFTP "
     "setting of the account). This is not a ban.");
static const char e_sftp_missing[] =
  N_("The login succeeded, but the server offers no SFTP service for this account. This is "
     "not a ban.");
static const char e_local_abort[] =
  N_("Your own system aborted the connection (a network change, sleep or a local firewall). "
     "This is on your side.");
static const char e_not_recognised[] =
  N_("Not recognised: Banwatch knows no error message in this text and does not guess. "
     "Paste the complete output, ideally of “ssh -v”.");

/* ---- The table ---- */

#define MARK(id_, source_, phase_, n1, n2, example_) \
  { id_, source_, KIND_MARKER, { n1, n2, NULL }, { NULL, NULL }, NO_OBSERVATION, NONE, 0, \
    phase_, NULL, example_ }

static const Rule rules[] = {
  /* Progress lines: how far a connection got. */
  MARK ("openssh-connected", "OpenSSH", PHASE_TCP, "Connection established", NULL,
        "debug1: Connection established."),
  MARK ("openssh-remote-version", "OpenSSH", PHASE_BANNER, "Remote protocol version", NULL,
        "debug1: Remote protocol version 2.0, remote software version OpenSSH_8.0"),
  MARK ("openssh-authenticating", "OpenSSH", PHASE_BANNER, "Authenticating to ", " as ",
        "debug1: Authenticating to sv1234.xserver.jp:10022 as 'web1234'"),
  MARK ("openssh-kexinit", "OpenSSH", PHASE_BANNER, "SSH2_MSG_KEXINIT received", NULL,
        "debug1: SSH2_MSG_KEXINIT received"),
  MARK ("openssh-auth-methods", "OpenSSH", PHASE_AUTH, "Authentications that can continue", NULL,
        "debug1: Authentications that can continue: publickey"),
  MARK ("openssh-offering", "OpenSSH", PHASE_AUTH, "Offering public key", NULL,
        "debug1: Offering public key: /home/web/.ssh/id_ed25519 ED25519 SHA256:abc explicit"),
  MARK ("openssh-auth-succeeded", "OpenSSH", PHASE_AUTHENTICATED, "Authentication succeeded (", NULL,
        "debug1: Authentication succeeded (publickey)."),
  MARK ("putty-connected", "PuTTY", PHASE_TCP, "Connected to ", NULL,
        "Connected to 203.0.113.10"),
  MARK ("putty-server-version", "PuTTY", PHASE_BANNER, "Server version: SSH-", NULL,
        "Server version: SSH-2.0-OpenSSH_8.0"),
  MARK ("putty-using-username", "PuTTY", PHASE_AUTH, "Using username", NULL,
        "Using username \"web1234\"."),
  MARK ("putty-access-granted", "PuTTY", PHASE_AUTHENTICATED, "Access granted", NULL,
        "Access granted"),
  MARK ("filezilla-connected", "FileZilla", PHASE_AUTHENTICATED, "Status:", "Connected to ",
        "Status: Connected to sv1234.xserver.jp"),
  MARK ("paramiko-connected", "paramiko", PHASE_BANNER, "Connected (version ", NULL,
        "INFO:paramiko.transport:Connected (version 2.0, client OpenSSH_8.0)"),
  MARK ("paramiko-auth-failed", "paramiko", PHASE_AUTH, "Authentication (publickey) failed", NULL,
        "INFO:paramiko.transport:Authentication (publickey) failed."),
  MARK ("paramiko-auth-ok", "paramiko", PHASE_AUTHENTICATED, "Authentication (publickey) successful", NULL,
        "INFO:paramiko.transport:Authentication (publickey) successful!"),
  MARK ("libssh-banner", "libssh", PHASE_BANNER, "SSH server banner:", NULL,
        "[2024/05/01 10:00:00.123456, 2] ssh_client_connection_callback:  SSH server banner: SSH-2.0-OpenSSH_8.0"),
  MARK ("libssh-analyzing-banner", "libssh", PHASE_BANNER, "Analyzing banner:", NULL,
        "[2024/05/01 10:00:00.123456, 3] ssh_analyze_banner:  Analyzing banner: SSH-2.0-OpenSSH_8.0"),

  /* Host keys: a security alarm outranks everything else in the paste. */
  { "openssh-hostkey-changed", "OpenSSH", KIND_DECIDE,
    { "REMOTE HOST IDENTIFICATION HAS CHANGED", NULL, NULL }, { NULL, NULL },
    CHANGED, HIGH, 95, PHASE_BANNER, e_hostkey_changed,
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @" },
  { "openssh-hostkey-changed-strict", "OpenSSH", KIND_DECIDE,
    { "Host key for ", "has changed and you have requested strict checking", NULL }, { NULL, NULL },
    CHANGED, HIGH, 95, PHASE_BANNER, e_hostkey_changed,
    "Host key for [sv1234.xserver.jp]:10022 has changed and you have requested strict checking." },
  { "paramiko-bad-hostkey", "paramiko", KIND_DECIDE,
    { "BadHostKeyException", NULL, NULL }, { NULL, NULL },
    CHANGED, HIGH, 95, PHASE_BANNER, e_hostkey_changed,
    "paramiko.ssh_exception.BadHostKeyException: Host key for server '203.0.113.10' does not match: got 'AAAAC3Nza', expected 'AAAAC3Nzb'" },
  { "putty-security-breach", "PuTTY", KIND_DECIDE,
    { "POTENTIAL SECURITY BREACH", NULL, NULL }, { NULL, NULL },
    CHANGED, HIGH, 95, PHASE_BANNER, e_hostkey_changed,
    "WARNING - POTENTIAL SECURITY BREACH!" },
  { "putty-hostkey-mismatch", "PuTTY/WinSCP", KIND_DECIDE,
    { "host key does not match the one", NULL, NULL }, { NULL, NULL },
    CHANGED, HIGH, 95, PHASE_BANNER, e_hostkey_changed,
    "Host key does not match the one WinSCP has in cache" },
  { "libssh-hostkey-changed", "libssh", KIND_DECIDE,
    { "Host key for server changed", NULL, NULL }, { NULL, NULL },
    CHANGED, MEDIUM, 95, PHASE_BANNER, e_hostkey_changed,
    "Host key for server changed: it is now:" },
  { "openssh-hostkey-unknown-strict", "OpenSSH", KIND_DECIDE,
    { "host key is known for ", "requested strict checking", NULL }, { NULL, NULL },
    UNKNOWN, HIGH, 85, PHASE_BANNER, e_hostkey_unknown,
    "No ED25519 host key is known for [sv1234.xserver.jp]:10022 and you have requested strict checking." },
  { "openssh-authenticity", "OpenSSH", KIND_DECIDE,
    { "The authenticity of host ", "can't be established", NULL }, { NULL, NULL },
    UNKNOWN, HIGH, 85, PHASE_BANNER, e_hostkey_unknown,
    "The authenticity of host '[sv1234.xserver.jp]:10022 ([203.0.113.10]:10022)' can't be established." },
  { "paramiko-not-in-known-hosts", "paramiko", KIND_DECIDE,
    { "not found in known_hosts", NULL, NULL }, { NULL, NULL },
    UNKNOWN, HIGH, 85, PHASE_BANNER, e_hostkey_unknown,
    "paramiko.ssh_exception.SSHException: Server '[sv1234.xserver.jp]:10022' not found in known_hosts" },
  { "putty-hostkey-not-cached", "PuTTY", KIND_DECIDE,
    { "host key is not cached", NULL, NULL }, { NULL, NULL },
    UNKNOWN, HIGH, 85, PHASE_BANNER, e_hostkey_unknown,
    "The server's host key is not cached in the registry. You have no guarantee that the server is the computer you think it is." },
  { "winscp-unknown-server", "WinSCP", KIND_DECIDE,
    { "Continue connecting to an unknown server", NULL, NULL }, { NULL, NULL },
    UNKNOWN, HIGH, 85, PHASE_BANNER, e_hostkey_unknown,
    "Continue connecting to an unknown server and add its host key to a cache?" },
  { "libssh-server-unknown", "libssh", KIND_DECIDE,
    { "The server is unknown", NULL, NULL }, { NULL, NULL },
    UNKNOWN, MEDIUM, 85, PHASE_BANNER, e_hostkey_unknown,
    "The server is unknown. Do you trust the host key?" },
  { "openssh-hostkey-verification-failed", "OpenSSH", KIND_DECIDE,
    { "Host key verification failed", NULL, NULL }, { NULL, NULL },
    UNKNOWN, LOW, 40, PHASE_BANNER, e_hostkey_failed,
    "Host key verification failed." },

  /* Local key and configuration problems: no connection needed, the root cause when present. */
  { "openssh-key-bad-permissions", "OpenSSH", KIND_DECIDE,
    { "Load key ", "bad permissions", NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_permissions,
    "Load key \"/home/web/.ssh/id_ed25519\": bad permissions" },
  { "openssh-key-unprotected", "OpenSSH", KIND_DECIDE,
    { "UNPROTECTED PRIVATE KEY FILE", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_permissions,
    "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @" },
  { "openssh-key-passphrase", "OpenSSH", KIND_DECIDE,
    { "incorrect passphrase supplied to decrypt private key", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_passphrase,
    "Load key \"/home/web/.ssh/xserver.key\": incorrect passphrase supplied to decrypt private key" },
  { "openssh-key-invalid-format", "OpenSSH", KIND_DECIDE,
    { "Load key ", "invalid format", NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_format,
    "Load key \"/home/web/.ssh/xserver.key\": invalid format" },
  { "openssh-key-libcrypto", "OpenSSH", KIND_DECIDE,
    { "Load key ", "error in libcrypto", NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_format,
    "Load key \"/home/web/.ssh/xserver.key\": error in libcrypto" },
  { "openssh-identity-not-accessible", "OpenSSH", KIND_DECIDE,
    { "Identity file ", "not accessible", NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_missing,
    "Warning: Identity file /home/web/.ssh/xserver.key not accessible: No such file or directory." },
  { "openssh-no-such-identity", "OpenSSH", KIND_DECIDE,
    { "no such identity: ", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_missing,
    "no such identity: /home/web/.ssh/xserver.key: No such file or directory" },
  { "openssh-config-permissions", "OpenSSH", KIND_DECIDE,
    { "Bad owner or permissions on ", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_config_permissions,
    "Bad owner or permissions on /home/user/.ssh/config" },
  { "paramiko-not-a-valid-key", "paramiko", KIND_DECIDE,
    { "not a valid ", "private key file", NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_format,
    "paramiko.ssh_exception.SSHException: not a valid RSA private key file" },
  { "paramiko-password-required", "paramiko", KIND_DECIDE,
    { "PasswordRequiredException", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_passphrase,
    "paramiko.ssh_exception.PasswordRequiredException: Private key file is encrypted" },
  { "putty-unable-to-use-key", "PuTTY", KIND_DECIDE,
    { "Unable to use key file", NULL, NULL }, { NULL, NULL },
    KEY, HIGH, 90, PHASE_NONE, e_key_format,
    "Unable to use key file \"C:\\Users\\web\\xserver.key\" (OpenSSH SSH-2 private key (new format))" },
  { "openssh-agent-sign-failed", "OpenSSH", KIND_DECIDE,
    { "sign_and_send_pubkey: signing failed", NULL, NULL }, { NULL, NULL },
    KEY, MEDIUM, 72, PHASE_AUTH, e_agent_sign,
    "sign_and_send_pubkey: signing failed for RSA \"/home/web/.ssh/id_rsa\" from agent: agent refused operation" },

  /* Before the banner: the lighter ban stage. */
  { "openssh-kex-closed", "OpenSSH", KIND_DECIDE,
    { "kex_exchange_identification: Connection closed by remote host", NULL, NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_closed_before_banner,
    "kex_exchange_identification: Connection closed by remote host" },
  { "openssh-kex-reset", "OpenSSH", KIND_DECIDE,
    { "kex_exchange_identification: read: Connection reset by peer", NULL, NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_reset_before_banner,
    "kex_exchange_identification: read: Connection reset by peer" },
  { "openssh-exid-closed", "OpenSSH", KIND_DECIDE,
    { "ssh_exchange_identification: Connection closed by remote host", NULL, NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_closed_before_banner,
    "ssh_exchange_identification: Connection closed by remote host" },
  { "openssh-exid-reset", "OpenSSH", KIND_DECIDE,
    { "ssh_exchange_identification: read: Connection reset by peer", NULL, NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_reset_before_banner,
    "ssh_exchange_identification: read: Connection reset by peer" },
  { "paramiko-banner-reset", "paramiko", KIND_DECIDE,
    { "Error reading SSH protocol banner", "reset by peer", NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_reset_before_banner,
    "paramiko.ssh_exception.SSHException: Error reading SSH protocol banner[Errno 104] Connection reset by peer" },
  { "paramiko-banner-forcibly-closed", "paramiko", KIND_DECIDE,
    { "Error reading SSH protocol banner", "forcibly closed", NULL }, { NULL, NULL },
    CBB, HIGH, 80, PHASE_TCP, e_reset_before_banner,
    "SSHException: Error reading SSH protocol banner[WinError 10054] An existing connection was forcibly closed by the remote host" },
  { "paramiko-banner", "paramiko", KIND_PARAMIKO_BANNER,
    { "Error reading SSH protocol banner", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 78, PHASE_TCP, e_paramiko_banner,
    "paramiko.ssh_exception.SSHException: Error reading SSH protocol banner" },
  { "sshd-maxstartups", "sshd log", KIND_DECIDE,
    { "beginning MaxStartups throttling", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 30, PHASE_TCP, e_maxstartups,
    "sshd[1234]: error: beginning MaxStartups throttling" },
  { "sshd-refused-connect", "sshd log", KIND_DECIDE,
    { "refused connect from", NULL, NULL }, { NULL, NULL },
    CBB, MEDIUM, 30, PHASE_TCP, e_libwrap,
    "sshd[9331]: refused connect from 203.0.113.50 (203.0.113.50)" },

  /* Connected, but no banner in time. */
  { "openssh-banner-timeout", "OpenSSH", KIND_DECIDE,
    { "Connection timed out during banner exchange", NULL, NULL }, { NULL, NULL },
    BTIMEOUT, HIGH, 80, PHASE_TCP, e_banner_timeout,
    "Connection timed out during banner exchange" },
  { "openssh-connection-timed-out-after-connect", "OpenSSH", KIND_TIMEOUT_AFTER,
    { "Connection to ", " timed out", NULL }, { "connect to host", NULL },
    BTIMEOUT, MEDIUM, 45, PHASE_TCP, e_banner_timeout,
    "Connection to 203.0.113.10 port 10022 timed out" },

  /* Not SSH, or nothing in common. */
  { "openssh-banner-invalid-format", "OpenSSH", KIND_DECIDE,
    { "banner exchange: Connection to ", "invalid format", NULL }, { NULL, NULL },
    MISMATCH, HIGH, 80, PHASE_TCP, e_not_ssh,
    "banner exchange: Connection to 203.0.113.10 port 10022: invalid format" },
  { "openssh-banner-invalid-characters", "OpenSSH", KIND_DECIDE,
    { "banner line contains invalid characters", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 80, PHASE_TCP, e_not_ssh,
    "kex_exchange_identification: banner line contains invalid characters" },
  { "openssh-protocol-major", "OpenSSH", KIND_DECIDE,
    { "Protocol major versions differ", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 80, PHASE_BANNER, e_protocol,
    "Protocol major versions differ: 2 vs. 1" },
  { "openssh-banner-unreadable", "OpenSSH", KIND_DECIDE,
    { "banner exchange: Connection to ", "could not read protocol version", NULL }, { NULL, NULL },
    MISMATCH, MEDIUM, 75, PHASE_TCP, e_not_ssh,
    "banner exchange: Connection to 203.0.113.10 port 10022: could not read protocol version" },
  { "openssh-no-kex", "OpenSSH", KIND_DECIDE,
    { "no matching key exchange method found", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "Unable to negotiate with 203.0.113.10 port 10022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1" },
  { "openssh-no-hostkey-type", "OpenSSH", KIND_DECIDE,
    { "no matching host key type found", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "Unable to negotiate with 203.0.113.10 port 10022: no matching host key type found. Their offer: ssh-rsa,ssh-dss" },
  { "openssh-no-cipher", "OpenSSH", KIND_DECIDE,
    { "no matching cipher found", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "Unable to negotiate with 203.0.113.10 port 10022: no matching cipher found. Their offer: aes128-cbc,3des-cbc" },
  { "openssh-no-mac", "OpenSSH", KIND_DECIDE,
    { "no matching MAC found", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "Unable to negotiate with 203.0.113.10 port 10022: no matching MAC found. Their offer: hmac-md5" },
  { "openssh-no-mutual-signature", "OpenSSH", KIND_DECIDE,
    { "no mutual signature supported", NULL, NULL }, { NULL, NULL },
    MISMATCH, MEDIUM, 72, PHASE_AUTH, e_signature,
    "sign_and_send_pubkey: no mutual signature supported" },
  { "paramiko-incompatible", "paramiko", KIND_DECIDE,
    { "Incompatible ssh ", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "paramiko.ssh_exception.SSHException: Incompatible ssh peer (no acceptable kex algorithm)" },
  { "libssh-kex-no-match", "libssh", KIND_DECIDE,
    { "kex error : no match for method", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "kex error : no match for method kex algos: server [diffie-hellman-group1-sha1], client [curve25519-sha256]" },
  { "libssh-no-version", "libssh", KIND_DECIDE,
    { "No version of SSH protocol usable", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "No version of SSH protocol usable (banner: SSH-1.5-OldServer)" },
  { "putty-couldnt-agree", "PuTTY", KIND_DECIDE,
    { "Couldn't agree a ", NULL, NULL }, { NULL, NULL },
    MISMATCH, HIGH, 75, PHASE_BANNER, e_protocol,
    "Couldn't agree a key exchange algorithm (available: diffie-hellman-group1-sha1)" },

  /* Authentication. */
  { "openssh-too-many-auth-failures", "OpenSSH", KIND_DECIDE,
    { "Too many authentication failures", NULL, NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_too_many,
    "Received disconnect from 203.0.113.10 port 10022:2: Too many authentication failures" },
  { "openssh-permission-denied", "OpenSSH", KIND_DECIDE,
    { "Permission denied (", "publickey", NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_auth,
    "web1234@sv1234.xserver.jp: Permission denied (publickey)." },
  { "openssh-password-denied", "OpenSSH", KIND_DECIDE,
    { "Permission denied, please try again", NULL, NULL }, { NULL, NULL },
    REJECTED, MEDIUM, 70, PHASE_AUTH, e_password,
    "Permission denied, please try again." },
  { "openssh-no-more-methods", "OpenSSH", KIND_DECIDE,
    { "No more authentication methods to try", NULL, NULL }, { NULL, NULL },
    REJECTED, HIGH, 68, PHASE_AUTH, e_auth,
    "No more authentication methods to try." },
  { "paramiko-authentication", "paramiko", KIND_DECIDE,
    { "AuthenticationException", NULL, NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_auth,
    "paramiko.ssh_exception.AuthenticationException: Authentication failed." },
  { "libssh-access-denied", "libssh", KIND_DECIDE,
    { "Access denied", "Authentication that can continue", NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_auth,
    "Access denied for 'publickey'. Authentication that can continue: publickey" },
  { "putty-no-supported-methods", "PuTTY", KIND_DECIDE,
    { "No supported authentication methods available", NULL, NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_auth,
    "Disconnected: No supported authentication methods available (server sent: publickey)" },
  { "putty-server-refused-key", "PuTTY/WinSCP", KIND_DECIDE,
    { "Server refused our key", NULL, NULL }, { NULL, NULL },
    REJECTED, HIGH, 70, PHASE_AUTH, e_auth,
    "Server refused our key" },
  { "putty-access-denied", "PuTTY", KIND_DECIDE,
    { "Access denied", NULL, NULL }, { "Authentication that can continue", NULL },
    REJECTED, MEDIUM, 60, PHASE_AUTH, e_password,
    "Access denied" },
  { "sshd-closed-authenticating-user", "sshd log", KIND_DECIDE,
    { "Connection closed by authenticating user", NULL, NULL }, { NULL, NULL },
    REJECTED, LOW, 30, PHASE_AUTH, e_sshd_auth_close,
    "sshd[2345]: Connection closed by authenticating user web1234 203.0.113.50 port 50514 [preauth]" },
  { "generic-authentication-failed", "FileZilla/WinSCP", KIND_DECIDE,
    { "Authentication failed", NULL, NULL }, { NULL, NULL },
    REJECTED, LOW, 27, PHASE_AUTH, e_auth,
    "Error: Authentication failed." },

  /* TCP connect: refused (the heavier stage), timeout, unreachable. */
  { "openssh-connect-refused", "OpenSSH", KIND_DECIDE,
    { "connect to host ", "Connection refused", NULL }, { NULL, NULL },
    REFUSED, HIGH, 65, PHASE_NONE, e_refused,
    "ssh: connect to host sv1234.xserver.jp port 10022: Connection refused" },
  { "openssh-connect-timed-out", "OpenSSH", KIND_DECIDE,
    { "connect to host ", "timed out", NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 65, PHASE_NONE, e_timeout,
    "ssh: connect to host sv1234.xserver.jp port 10022: Connection timed out" },
  { "openssh-connect-no-route", "OpenSSH", KIND_DECIDE,
    { "connect to host ", "No route to host", NULL }, { NULL, NULL },
    UNREACH, MEDIUM, 65, PHASE_NONE, e_no_route,
    "ssh: connect to host sv1234.xserver.jp port 10022: No route to host" },
  { "openssh-connect-network-unreachable", "OpenSSH", KIND_DECIDE,
    { "connect to host ", "Network is unreachable", NULL }, { NULL, NULL },
    UNREACH, HIGH, 65, PHASE_NONE, e_net_unreachable,
    "ssh: connect to host sv1234.xserver.jp port 10022: Network is unreachable" },
  { "openssh-connect-host-down", "OpenSSH", KIND_DECIDE,
    { "connect to host ", "Host is down", NULL }, { NULL, NULL },
    TIMEOUT, MEDIUM, 65, PHASE_NONE, e_timeout,
    "ssh: connect to host 192.0.2.7 port 22: Host is down" },
  { "openssh-resolve-temporary", "OpenSSH", KIND_DECIDE,
    { "Could not resolve hostname", "Temporary failure in name resolution", NULL }, { NULL, NULL },
    DNS, HIGH, 66, PHASE_NONE, e_dns_temporary,
    "ssh: Could not resolve hostname sv1234.xserver.jp: Temporary failure in name resolution" },
  { "openssh-resolve", "OpenSSH", KIND_DECIDE,
    { "Could not resolve hostname", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "ssh: Could not resolve hostname sv1234.xserver.jq: Name or service not known" },
  { "paramiko-novalid-refused", "paramiko", KIND_DECIDE,
    { "[Errno 111]", "Unable to connect to port", NULL }, { NULL, NULL },
    REFUSED, HIGH, 66, PHASE_NONE, e_refused,
    "paramiko.ssh_exception.NoValidConnectionsError: [Errno 111] Unable to connect to port 10022 on 203.0.113.10" },
  { "paramiko-novalid-no-route", "paramiko", KIND_DECIDE,
    { "[Errno 113]", "Unable to connect to port", NULL }, { NULL, NULL },
    UNREACH, MEDIUM, 66, PHASE_NONE, e_no_route,
    "paramiko.ssh_exception.NoValidConnectionsError: [Errno 113] Unable to connect to port 10022 on 203.0.113.10" },
  { "paramiko-novalid", "paramiko", KIND_DECIDE,
    { "Unable to connect to port ", " on ", NULL }, { NULL, NULL },
    REFUSED, MEDIUM, 64, PHASE_NONE, e_paramiko_novalid,
    "paramiko.ssh_exception.NoValidConnectionsError: [Errno None] Unable to connect to port 10022 on 203.0.113.10" },
  { "paramiko-socket-timeout", "paramiko", KIND_DECIDE,
    { "socket.timeout", NULL, NULL }, { NULL, NULL },
    TIMEOUT, MEDIUM, 60, PHASE_NONE, e_timeout,
    "socket.timeout: timed out" },
  { "python-timeout-error", "Python", KIND_DECIDE,
    { "TimeoutError: timed out", NULL, NULL }, { NULL, NULL },
    TIMEOUT, MEDIUM, 60, PHASE_NONE, e_timeout,
    "TimeoutError: timed out" },
  { "python-gaierror", "Python", KIND_DECIDE,
    { "gaierror", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "socket.gaierror: [Errno -2] Name or service not known" },
  { "python-refused", "Python", KIND_DECIDE,
    { "ConnectionRefusedError", NULL, NULL }, { NULL, NULL },
    REFUSED, HIGH, 64, PHASE_NONE, e_refused,
    "ConnectionRefusedError: [Errno 111] Connection refused" },
  { "python-winerror-refused", "Python", KIND_DECIDE,
    { "[WinError 10061]", NULL, NULL }, { NULL, NULL },
    REFUSED, HIGH, 64, PHASE_NONE, e_refused,
    "[WinError 10061] No connection could be made because the target machine actively refused it" },
  { "python-winerror-timeout", "Python", KIND_DECIDE,
    { "[WinError 10060]", NULL, NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 64, PHASE_NONE, e_timeout,
    "[WinError 10060] A connection attempt failed because the connected party did not properly respond after a period of time" },
  { "libssh-timeout", "libssh", KIND_DECIDE,
    { "Timeout connecting to", NULL, NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 65, PHASE_NONE, e_timeout,
    "Timeout connecting to 203.0.113.10" },
  { "libssh-resolve", "libssh", KIND_DECIDE,
    { "Failed to resolve hostname", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "Failed to resolve hostname sv1234.xserver.jq (Name or service not known)" },
  { "putty-refused", "PuTTY", KIND_DECIDE,
    { "Network error: Connection refused", NULL, NULL }, { NULL, NULL },
    REFUSED, HIGH, 65, PHASE_NONE, e_refused,
    "FATAL ERROR: Network error: Connection refused" },
  { "putty-timed-out", "PuTTY", KIND_DECIDE,
    { "Network error: Connection timed out", NULL, NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 65, PHASE_NONE, e_timeout,
    "Network error: Connection timed out" },
  { "putty-no-route", "PuTTY", KIND_DECIDE,
    { "Network error: No route to host", NULL, NULL }, { NULL, NULL },
    UNREACH, MEDIUM, 65, PHASE_NONE, e_no_route,
    "Network error: No route to host" },
  { "putty-network-unreachable", "PuTTY", KIND_DECIDE,
    { "Network error: Network is unreachable", NULL, NULL }, { NULL, NULL },
    UNREACH, HIGH, 65, PHASE_NONE, e_net_unreachable,
    "Network error: Network is unreachable" },
  { "putty-host-does-not-exist", "PuTTY", KIND_DECIDE,
    { "Host does not exist", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "FATAL ERROR: Host does not exist" },
  { "winscp-host-does-not-exist", "WinSCP", KIND_DECIDE,
    { "Host \"", "\" does not exist", NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "Host \"sv1234.xserver.jq\" does not exist." },
  { "filezilla-refused", "FileZilla", KIND_DECIDE,
    { "Connection refused by server", NULL, NULL }, { NULL, NULL },
    REFUSED, HIGH, 66, PHASE_NONE, e_refused,
    "Error: Connection refused by server" },
  { "filezilla-inactivity-timeout", "FileZilla", KIND_DECIDE,
    { "Connection timed out after ", " seconds of inactivity", NULL }, { NULL, NULL },
    TIMEOUT, MEDIUM, 64, PHASE_NONE, e_timeout,
    "Error: Connection timed out after 20 seconds of inactivity" },
  { "filezilla-attempt-timed-out", "FileZilla", KIND_DECIDE,
    { "Connection attempt timed out", NULL, NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 65, PHASE_NONE, e_timeout,
    "Error: Connection attempt failed with \"ETIMEDOUT - Connection attempt timed out\"." },
  { "filezilla-no-route", "FileZilla", KIND_DECIDE,
    { "EHOSTUNREACH", NULL, NULL }, { NULL, NULL },
    UNREACH, MEDIUM, 65, PHASE_NONE, e_no_route,
    "Error: Connection attempt failed with \"EHOSTUNREACH - No route to host\"." },
  { "filezilla-network-unreachable", "FileZilla", KIND_DECIDE,
    { "ENETUNREACH", NULL, NULL }, { NULL, NULL },
    UNREACH, HIGH, 65, PHASE_NONE, e_net_unreachable,
    "Error: Connection attempt failed with \"ENETUNREACH - Network unreachable\"." },
  { "filezilla-no-name", "FileZilla", KIND_DECIDE,
    { "EAI_NONAME", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns,
    "Error: Connection attempt failed with \"EAI_NONAME - Neither nodename nor servname provided, or not known\"." },
  { "filezilla-name-again", "FileZilla", KIND_DECIDE,
    { "EAI_AGAIN", NULL, NULL }, { NULL, NULL },
    DNS, HIGH, 65, PHASE_NONE, e_dns_temporary,
    "Error: Connection attempt failed with \"EAI_AGAIN - Temporary failure in name resolution\"." },
  { "winscp-refused", "WinSCP", KIND_DECIDE,
    { "Network error: Connection to \"", "\" refused", NULL }, { NULL, NULL },
    REFUSED, HIGH, 66, PHASE_NONE, e_refused,
    "Network error: Connection to \"sv1234.xserver.jp\" refused." },
  { "winscp-timed-out", "WinSCP", KIND_DECIDE,
    { "Network error: Connection to \"", "\" timed out", NULL }, { NULL, NULL },
    TIMEOUT, HIGH, 66, PHASE_NONE, e_timeout,
    "Network error: Connection to \"sv1234.xserver.jp\" timed out." },

  /* Closes and resets: before the banner, during the handshake, or after the login. */
  { "openssh-closed-by-host-port", "OpenSSH", KIND_CLOSE,
    { "Connection closed by ", " port ", NULL }, { "[preauth]", "authenticating user" },
    CBB, LOW, 50, PHASE_NONE, e_closed_lone,
    "Connection closed by 203.0.113.10 port 10022" },
  { "openssh-reset-by-host-port", "OpenSSH", KIND_CLOSE,
    { "Connection reset by ", " port ", NULL }, { "[preauth]", NULL },
    CBB, LOW, 50, PHASE_NONE, e_closed_generic,
    "Connection reset by 203.0.113.10 port 10022" },
  { "openssh-received-disconnect", "OpenSSH", KIND_CLOSE,
    { "Received disconnect from ", NULL, NULL }, { NULL, NULL },
    CDH, LOW, 49, PHASE_BANNER, e_during_handshake,
    "Received disconnect from 203.0.113.10 port 10022:2: Bye" },
  { "openssh-disconnected-from", "OpenSSH", KIND_CLOSE,
    { "Disconnected from ", " port ", NULL }, { "[preauth]", NULL },
    CDH, LOW, 48, PHASE_BANNER, e_during_handshake,
    "Disconnected from 203.0.113.10 port 10022" },
  { "openssh-closed-by-remote-host", "OpenSSH", KIND_DECIDE,
    { "Connection to ", " closed by remote host", NULL }, { NULL, NULL },
    OK, MEDIUM, 45, PHASE_AUTHENTICATED, e_session_closed,
    "Connection to sv1234.xserver.jp closed by remote host." },
  { "libssh-socket-disconnected", "libssh", KIND_CLOSE,
    { "Socket error: disconnected", NULL, NULL }, { NULL, NULL },
    CBB, MEDIUM, 52, PHASE_NONE, e_closed_generic,
    "Socket error: disconnected" },
  { "libssh-socket-reset", "libssh", KIND_CLOSE,
    { "Socket error: Connection reset by peer", NULL, NULL }, { NULL, NULL },
    CBB, MEDIUM, 52, PHASE_NONE, e_closed_generic,
    "Socket error: Connection reset by peer" },
  { "putty-server-closed", "PuTTY", KIND_CLOSE,
    { "Server unexpectedly closed network connection", NULL, NULL }, { NULL, NULL },
    CBB, MEDIUM, 50, PHASE_NONE, e_closed_generic,
    "Server unexpectedly closed network connection" },
  { "putty-remote-closed", "PuTTY", KIND_CLOSE,
    { "Remote side unexpectedly closed network connection", NULL, NULL }, { NULL, NULL },
    CBB, MEDIUM, 50, PHASE_NONE, e_closed_generic,
    "Remote side unexpectedly closed network connection" },
  { "putty-reset", "PuTTY", KIND_CLOSE,
    { "Network error: Connection reset by peer", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 50, PHASE_NONE, e_closed_generic,
    "Network error: Connection reset by peer" },
  { "putty-software-abort", "PuTTY", KIND_DECIDE,
    { "Software caused connection abort", NULL, NULL }, { NULL, NULL },
    UNREACH, LOW, 49, PHASE_NONE, e_local_abort,
    "Network error: Software caused connection abort" },
  { "filezilla-reset", "FileZilla", KIND_CLOSE,
    { "ECONNRESET", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 50, PHASE_NONE, e_closed_generic,
    "Error: Connection attempt failed with \"ECONNRESET - Connection reset by peer\"." },
  { "winscp-closed-exit-status", "WinSCP", KIND_DECIDE,
    { "Connection has been unexpectedly closed", "exit status", NULL }, { NULL, NULL },
    OK, LOW, 46, PHASE_AUTHENTICATED, e_winscp_exit,
    "Connection has been unexpectedly closed. Server sent command exit status 0." },
  { "winscp-closed", "WinSCP", KIND_CLOSE,
    { "Connection has been unexpectedly closed", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 45, PHASE_NONE, e_closed_generic,
    "Connection has been unexpectedly closed." },
  { "winscp-sftp-init", "WinSCP", KIND_DECIDE,
    { "Cannot initialize SFTP protocol", NULL, NULL }, { NULL, NULL },
    OK, LOW, 46, PHASE_AUTHENTICATED, e_sftp_missing,
    "Cannot initialize SFTP protocol. Is the host running an SFTP server?" },
  { "python-connection-reset", "Python", KIND_CLOSE,
    { "ConnectionResetError", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 29, PHASE_NONE, e_closed_generic,
    "ConnectionResetError: [Errno 104] Connection reset by peer" },

  /* Logged in. */
  { "openssh-authenticated", "OpenSSH", KIND_DECIDE,
    { "Authenticated to ", " using ", NULL }, { NULL, NULL },
    OK, HIGH, 10, PHASE_AUTHENTICATED, e_authenticated,
    "Authenticated to sv1234.xserver.jp ([203.0.113.10]:10022) using \"publickey\"." },
  { "putty-access-granted-login", "PuTTY", KIND_DECIDE,
    { "Access granted", NULL, NULL }, { NULL, NULL },
    OK, HIGH, 10, PHASE_AUTHENTICATED, e_authenticated,
    "Access granted" },
  { "paramiko-authentication-successful", "paramiko", KIND_DECIDE,
    { "Authentication (publickey) successful", NULL, NULL }, { NULL, NULL },
    OK, HIGH, 10, PHASE_AUTHENTICATED, e_authenticated,
    "INFO:paramiko.transport:Authentication (publickey) successful!" },

  /* Bare words, when nothing more specific is there. */
  { "generic-connection-refused", "", KIND_DECIDE,
    { "Connection refused", NULL, NULL }, { "agent", NULL },
    REFUSED, LOW, 30, PHASE_NONE, e_refused,
    "connect: Connection refused" },
  { "generic-connection-timed-out", "", KIND_DECIDE,
    { "Connection timed out", NULL, NULL }, { NULL, NULL },
    TIMEOUT, LOW, 29, PHASE_NONE, e_timeout,
    "Connection timed out" },
  { "generic-connection-reset", "", KIND_CLOSE,
    { "Connection reset by peer", NULL, NULL }, { NULL, NULL },
    CBB, LOW, 28, PHASE_NONE, e_closed_generic,
    "read: Connection reset by peer" },
  { "generic-name-not-known", "", KIND_DECIDE,
    { "Name or service not known", NULL, NULL }, { NULL, NULL },
    DNS, MEDIUM, 30, PHASE_NONE, e_dns,
    "Name or service not known" },
  { "generic-nodename", "", KIND_DECIDE,
    { "nodename nor servname provided", NULL, NULL }, { NULL, NULL },
    DNS, MEDIUM, 30, PHASE_NONE, e_dns,
    "nodename nor servname provided, or not known" },
  { "generic-no-such-host", "", KIND_DECIDE,
    { "No such host is known", NULL, NULL }, { NULL, NULL },
    DNS, MEDIUM, 30, PHASE_NONE, e_dns,
    "System.Net.Sockets.SocketException (11001): No such host is known." },
  { "generic-temporary-dns", "", KIND_DECIDE,
    { "Temporary failure in name resolution", NULL, NULL }, { NULL, NULL },
    DNS, MEDIUM, 30, PHASE_NONE, e_dns_temporary,
    "Temporary failure in name resolution" },

  /* Summaries: recognised, but they name no cause. */
  { "filezilla-could-not-connect", "FileZilla", KIND_SUMMARY,
    { "Could not connect to server", NULL, NULL }, { NULL, NULL },
    NO_OBSERVATION, NONE, 20, PHASE_NONE, e_summary,
    "Error: Could not connect to server" },
  { "git-could-not-read", "git", KIND_SUMMARY,
    { "Could not read from remote repository", NULL, NULL }, { NULL, NULL },
    NO_OBSERVATION, NONE, 20, PHASE_NONE, e_summary_git,
    "fatal: Could not read from remote repository." },
  { "openssh-broken-pipe", "OpenSSH", KIND_SUMMARY,
    { "Broken pipe", NULL, NULL }, { NULL, NULL },
    NO_OBSERVATION, NONE, 20, PHASE_AUTHENTICATED, e_broken_pipe,
    "client_loop: send disconnect: Broken pipe" },
  { "openssh-agent-unreachable", "OpenSSH", KIND_SUMMARY,
    { "Error connecting to agent", NULL, NULL }, { NULL, NULL },
    NO_OBSERVATION, NONE, 20, PHASE_NONE, e_agent_connect,
    "Error connecting to agent: Connection refused" },
  { "openssh-no-agent", "OpenSSH", KIND_SUMMARY,
    { "connection to your authentication agent", NULL, NULL }, { NULL, NULL },
    NO_OBSERVATION, NONE, 20, PHASE_NONE, e_agent_connect,
    "Could not open a connection to your authentication agent." },
};

/* ---- Matching ---- */

static const char *
find_ci (const char *haystack,
         gsize       length,
         const char *needle)
{
  gsize needle_length = strlen (needle);

  if (needle_length == 0)
    return haystack;
  if (needle_length > length)
    return NULL;

  for (gsize i = 0; i + needle_length <= length; i++)
    {
      if (g_ascii_tolower (haystack[i]) != g_ascii_tolower (needle[0]))
        continue;
      if (g_ascii_strncasecmp (haystack + i + 1, needle + 1, needle_length - 1) == 0)
        return haystack + i;
    }
  return NULL;
}

static gboolean
rule_matches (const Rule *rule,
              const char *line,
              gsize       length)
{
  const char *p = line;
  gsize left = length;

  for (guint i = 0; i < G_N_ELEMENTS (rule->needles) && rule->needles[i] != NULL; i++)
    {
      const char *found = find_ci (p, left, rule->needles[i]);
      gsize skip;

      if (found == NULL)
        return FALSE;
      skip = (gsize) (found - p) + strlen (rule->needles[i]);
      p += skip;
      left -= skip;
    }

  for (guint i = 0; i < G_N_ELEMENTS (rule->excludes) && rule->excludes[i] != NULL; i++)
    if (find_ci (line, length, rule->excludes[i]) != NULL)
      return FALSE;

  return TRUE;
}

static const char *
confidence_words[] = { "none", "low", "medium", "high" };

/**
 * bw_decode_confidence_to_string:
 *
 * Returns: "none", "low", "medium" or "high"
 */
const char *
bw_decode_confidence_to_string (BwDecodeConfidence confidence)
{
  g_return_val_if_fail ((guint) confidence < G_N_ELEMENTS (confidence_words), NULL);
  return confidence_words[confidence];
}

typedef struct {
  const Rule *rule;
  const char *line;
  gsize       length;
  Phase       phase_before;   /* the progress the lines before it showed */
} Match;

static gboolean
better (const Match *candidate,
        const Match *best)
{
  gboolean candidate_names = candidate->rule->kind != KIND_SUMMARY;
  gboolean best_names;

  if (best->rule == NULL)
    return TRUE;
  best_names = best->rule->kind != KIND_SUMMARY;

  /* A line that names a cause beats any summary; then priority; then the later line. */
  if (candidate_names != best_names)
    return candidate_names;
  return candidate->rule->priority >= best->rule->priority;
}

static void
scan (const char *text,
      gsize       length,
      Match      *best,
      Phase      *phase)
{
  const char *end = text + length;
  const char *p = text;

  while (p < end)
    {
      const char *newline = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = newline != NULL ? newline : end;
      gsize line_length = (gsize) (line_end - p);
      Phase line_phase = *phase;

      if (line_length > 0 && p[line_length - 1] == '\r')
        line_length--;

      for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
        {
          const Rule *rule = &rules[i];

          if (!rule_matches (rule, p, line_length))
            continue;

          if (rule->kind == KIND_MARKER)
            {
              line_phase = MAX (line_phase, rule->phase);
              continue;
            }

          {
            Match candidate = { rule, p, line_length, *phase };

            if (better (&candidate, best))
              *best = candidate;
          }
        }

      /* Progress seen on a line counts for the lines after it. */
      *phase = line_phase;
      p = newline != NULL ? newline + 1 : end;
    }
}

static char *
clean_line (const char *line,
            gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (line, (gssize) length);
  g_autofree char *stripped = g_strstrip (g_strdup (valid));

  for (char *c = stripped; *c != '\0'; c++)
    if ((guchar) *c < 0x20)
      *c = ' ';

  if (g_utf8_strlen (stripped, -1) > MAX_LINE_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (stripped, 0, MAX_LINE_CHARS);
      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&stripped);
}

/* Resolves the rows whose meaning depends on context. */
static void
resolve (const Match    *match,
         const char     *text,
         gsize           length,
         BwDecodeResult *result)
{
  const Rule *rule = match->rule;
  Phase phase = MAX (match->phase_before, rule->phase);
  const char *explanation = rule->explanation;
  int observation = rule->observation;

  result->confidence = rule->confidence;

  switch (rule->kind)
    {
    case KIND_CLOSE:
      if (phase >= PHASE_AUTHENTICATED)
        {
          observation = BW_OBSERVATION_OK;
          result->confidence = BW_DECODE_CONFIDENCE_MEDIUM;
          explanation = e_after_login;
        }
      else if (phase >= PHASE_AUTH)
        {
          observation = BW_OBSERVATION_CLOSED_DURING_HANDSHAKE;
          result->confidence = BW_DECODE_CONFIDENCE_MEDIUM;
          explanation = e_during_auth;
        }
      else if (phase >= PHASE_BANNER)
        {
          observation = BW_OBSERVATION_CLOSED_DURING_HANDSHAKE;
          /* The progress lines prove the banner came; the row alone would not. */
          result->confidence = match->phase_before >= PHASE_BANNER ? BW_DECODE_CONFIDENCE_HIGH
                                                                    : rule->confidence;
          explanation = e_during_handshake;
        }
      else if (match->phase_before == PHASE_TCP)
        {
          /* ssh -v (or an event log) showed the connect and no banner after it. */
          result->confidence = BW_DECODE_CONFIDENCE_MEDIUM;
        }
      break;

    case KIND_TIMEOUT_AFTER:
      if (phase >= PHASE_BANNER)
        {
          observation = BW_OBSERVATION_CLOSED_DURING_HANDSHAKE;
          result->confidence = BW_DECODE_CONFIDENCE_LOW;
          explanation = e_timeout_in_handshake;
        }
      break;

    case KIND_PARAMIKO_BANNER:
      /* The traceback above says why the banner read failed. */
      if (find_ci (text, length, "EOFError") != NULL)
        {
          observation = BW_OBSERVATION_CLOSED_BEFORE_BANNER;
          result->confidence = BW_DECODE_CONFIDENCE_HIGH;
          explanation = e_paramiko_eof;
        }
      else if (find_ci (text, length, "socket.timeout") != NULL ||
               find_ci (text, length, "TimeoutError") != NULL)
        {
          observation = BW_OBSERVATION_BANNER_TIMEOUT;
          result->confidence = BW_DECODE_CONFIDENCE_HIGH;
          explanation = e_paramiko_timeout;
        }
      break;

    case KIND_DECIDE:
    case KIND_SUMMARY:
    case KIND_MARKER:
    default:
      break;
    }

  result->has_observation = observation != NO_OBSERVATION;
  if (result->has_observation)
    result->observation = (BwObservation) observation;
  else
    result->confidence = BW_DECODE_CONFIDENCE_NONE;
  result->explanation = g_strdup (_(explanation));
}

/**
 * bw_decode:
 * @text: (nullable): a pasted error message or log, any encoding, NUL bytes allowed
 * @length: the length of @text, or -1 when it is NUL-terminated
 *
 * Finds the observation a pasted error shows. Nothing is guessed: text without a known
 * message gives a result with @recognised %FALSE and no observation.
 *
 * Returns: (transfer full): the result; never %NULL
 */
BwDecodeResult *
bw_decode (const char *text,
           gssize      length)
{
  g_autoptr(BwDecodeResult) result = g_new0 (BwDecodeResult, 1);
  Match best = { NULL };
  Phase phase = PHASE_NONE;
  gsize size;

  if (text == NULL)
    text = "";
  size = length < 0 ? strlen (text) : (gsize) length;

  if (size <= MAX_DECODED_BYTES)
    scan (text, size, &best, &phase);
  else
    {
      /* The progress lines are near the top, the final error near the bottom. */
      scan (text, HEAD_DECODED_BYTES, &best, &phase);
      scan (text + size - (MAX_DECODED_BYTES - HEAD_DECODED_BYTES), MAX_DECODED_BYTES - HEAD_DECODED_BYTES, &best, &phase);
      size = MAX_DECODED_BYTES;
    }

  if (best.rule == NULL)
    {
      result->recognised = FALSE;
      result->has_observation = FALSE;
      result->confidence = BW_DECODE_CONFIDENCE_NONE;
      result->explanation = g_strdup (_(e_not_recognised));
      return g_steal_pointer (&result);
    }

  result->recognised = TRUE;
  result->rule = best.rule->id;
  result->source = *best.rule->source != '\0' ? best.rule->source : NULL;
  result->line = clean_line (best.line, best.length);
  resolve (&best, text, size, result);
  return g_steal_pointer (&result);
}

/**
 * bw_decode_result_free:
 *
 * Frees a result of bw_decode().
 */
void
bw_decode_result_free (BwDecodeResult *result)
{
  if (result == NULL)
    return;
  g_free (result->explanation);
  g_free (result->line);
  g_free (result);
}

/**
 * bw_decode_result_get_observation:
 *
 * Returns: (nullable): the public observation word, or %NULL when there is none
 */
const char *
bw_decode_result_get_observation (const BwDecodeResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->has_observation ? bw_observation_to_string (result->observation) : NULL;
}

/**
 * bw_decode_result_to_json:
 *
 * The stable JSON form of `banwatch decode --json`:
 * `{"observation": word|null, "explanation": text, "confidence": "none"|"low"|"medium"|
 * "high", "rule": id|null, "source": name|null, "line": text|null}`.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
bw_decode_result_to_json (const BwDecodeResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *observation;

  g_return_val_if_fail (result != NULL, NULL);
  observation = bw_decode_result_get_observation (result);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "observation");
  if (observation != NULL)
    json_builder_add_string_value (builder, observation);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "explanation");
  json_builder_add_string_value (builder, result->explanation);
  json_builder_set_member_name (builder, "confidence");
  json_builder_add_string_value (builder, bw_decode_confidence_to_string (result->confidence));
  json_builder_set_member_name (builder, "rule");
  if (result->rule != NULL)
    json_builder_add_string_value (builder, result->rule);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "source");
  if (result->source != NULL)
    json_builder_add_string_value (builder, result->source);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "line");
  if (result->line != NULL)
    json_builder_add_string_value (builder, result->line);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * bw_decoder_get_n_rules:
 *
 * Returns: how many rows the decoder's table has (progress markers included)
 */
guint
bw_decoder_get_n_rules (void)
{
  return G_N_ELEMENTS (rules);
}

/**
 * bw_decoder_get_rule:
 * @index: 0 … bw_decoder_get_n_rules () - 1
 *
 * Describes one row, for documentation and the decoder's self-test.
 */
gboolean
bw_decoder_get_rule (guint          index,
                     BwDecoderRule *out_rule)
{
  const Rule *rule;

  if (index >= G_N_ELEMENTS (rules))
    return FALSE;

  rule = &rules[index];
  out_rule->id = rule->id;
  out_rule->source = rule->source;
  out_rule->example = rule->example;
  out_rule->observation = rule->observation != NO_OBSERVATION ? bw_observation_to_string (rule->observation) : NULL;
  out_rule->explanation = rule->explanation;
  out_rule->progress = rule->kind == KIND_MARKER ? phase_words[rule->phase] : NULL;
  return TRUE;
}
