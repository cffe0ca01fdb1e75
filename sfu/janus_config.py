"""Janus's configuration, written from Confer's settings: `python manage.py janus_config DIR` (docs/sfu.md).

What it guarantees, and tests/sfu/test_the_janus_config_is_closed.py checks:
- the Janus API listens on loopback (or the private address given), over WebSocket only, with `ws_acl` to match;
- token_auth is on with Confer's JANUS_TOKEN_SECRET, the VideoRoom's admin_key is Confer's JANUS_ADMIN_KEY;
- the admin API, if on at all, listens on loopback only and has a fresh random admin_secret;
- only the VideoRoom plugin loads; no demo rooms; no colours in the log;
- Janus's STUN server is Confer's own (STUN_URLS), so both sides agree on what the outside sees.
"""

import glob
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PLUGINS_WANTED = {"libjanus_videoroom.so"}
TRANSPORTS_WANTED = {"libjanus_websockets.so", "libjanus_http.so"}
DEBIAN_PLUGINS = ("audiobridge duktape echotest lua nosip recordplay sip streaming textroom videocall voicemail "
                  "videoroom").split()
DEBIAN_TRANSPORTS = "http websockets pfunix mqtt nanomsg rabbitmq".split()


def janus_lib_dir():
    """Return where Debian put Janus's plugins and transports (a multiarch path)."""
    found = sorted(glob.glob("/usr/lib/*/janus"))
    return found[0] if found else "/usr/lib/x86_64-linux-gnu/janus"


def quoted(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def stun_of(stun_urls):
    """Return (host, port) of the first stun: URL, or None."""
    for url in stun_urls:
        if url.startswith("stun:"):
            host, _, port = url[len("stun:"):].partition(":")
            return host, int(port or 3478)
    return None


def janus_files(*, token_secret, admin_key, ws_ip="127.0.0.1", ws_port=8188, admin_port=7088, http_port=None,
                rtp_ports="20000-40000", stun_urls=(), public_ip="", configs_folder="/etc/janus", admin_secret=None,
                lib_dir=None, allow_from="127."):
    """Return {file name: text} for a Janus that only Confer can use.

    allow_from: the address prefixes (comma-separated) Janus accepts API connections from: Confer's workers.
    http_port: also serve the Janus API over HTTP on loopback (tests use it to check that HTTP is closed without a
    token too); production leaves it off. admin_port: the admin API over HTTP on 127.0.0.1 only; 0 turns it off.
    """
    lib_dir = lib_dir or janus_lib_dir()
    admin_secret = admin_secret or secrets.token_urlsafe(24)
    disabled_plugins = ",".join(f"libjanus_{name}.so" for name in DEBIAN_PLUGINS if name != "videoroom")
    disabled_transports = ",".join(
        f"libjanus_{name}.so" for name in DEBIAN_TRANSPORTS
        if name != "websockets" and not (name == "http" and (http_port or admin_port))
    )
    stun = stun_of(stun_urls)
    nat = ["nat: {", "\tignore_mdns = true"]
    if stun:
        nat += [f"\tstun_server = {quoted(stun[0])}", f"\tstun_port = {stun[1]}"]
    if public_ip:
        nat.append(f"\tnat_1_1_mapping = {quoted(public_ip)}")
    nat.append("}")
    main = "\n".join([
        "# Written by `python manage.py janus_config` from Confer's settings (docs/sfu.md). Keep it private: it holds",
        "# Janus's token secret.",
        "general: {",
        f"\tconfigs_folder = {quoted(configs_folder)}",
        f"\tplugins_folder = {quoted(lib_dir + '/plugins')}",
        f"\ttransports_folder = {quoted(lib_dir + '/transports')}",
        f"\tevents_folder = {quoted(lib_dir + '/events')}",
        f"\tloggers_folder = {quoted(lib_dir + '/loggers')}",
        "\tdebug_level = 4",
        "\tdebug_timestamps = true",
        "\tdebug_colors = false",
        "\tserver_name = \"Confer media\"",
        "\tsession_timeout = 60",
        "\thide_dependencies = true",
        "\t# Every request must carry a token signed with this secret; only Confer has it.",
        "\ttoken_auth = true",
        f"\ttoken_auth_secret = {quoted(token_secret)}",
        f"\tadmin_secret = {quoted(admin_secret)}",
        "}",
        "certificates: {",
        "}",
        "media: {",
        f"\trtp_port_range = {quoted(rtp_ports)}",
        "}",
        *nat,
        "plugins: {",
        f"\tdisable = {quoted(disabled_plugins)}",
        "}",
        "transports: {",
        f"\tdisable = {quoted(disabled_transports)}",
        "}",
        "loggers: {",
        "\tdisable = \"libjanus_jsonlog.so\"",
        "}",
        "events: {",
        "\tbroadcast = false",
        "}",
        "",
    ])
    websockets = "\n".join([
        "# The Janus API, for Confer's signalling workers only: never on a public address.",
        "general: {",
        "\tjson = \"compact\"",
        "\tws = true",
        f"\tws_ip = {quoted(ws_ip)}",
        f"\tws_port = {ws_port}",
        f"\tws_acl = {quoted(allow_from)}",
        "\twss = false",
        "}",
        "admin: {",
        "\tadmin_ws = false",
        "\tadmin_wss = false",
        "}",
        "",
    ])
    videoroom = "\n".join([
        "# No rooms here: Confer creates one per meeting, with the admin key and a secret of its own.",
        "general: {",
        f"\tadmin_key = {quoted(admin_key)}",
        "\tstring_ids = true",
        "\tlock_rtp_forward = true",
        "}",
        "",
    ])
    files = {
        "janus.jcfg": main,
        "janus.transport.websockets.jcfg": websockets,
        "janus.plugin.videoroom.jcfg": videoroom,
    }
    if http_port or admin_port:
        http = ["general: {", "\tjson = \"compact\""]
        if http_port:
            http += ["\thttp = true", f"\tport = {http_port}", "\tip = \"127.0.0.1\"", "\tacl = \"127.\""]
        else:
            http += ["\thttp = false"]
        http += ["\thttps = false", "}", "admin: {"]
        if admin_port:
            http += ["\tadmin_http = true", f"\tadmin_port = {admin_port}", "\tadmin_ip = \"127.0.0.1\"",
                     "\tadmin_acl = \"127.\""]
        else:
            http += ["\tadmin_http = false"]
        http += ["\tadmin_https = false", "}", ""]
        files["janus.transport.http.jcfg"] = "\n".join(http)
    return files


def write_janus_config(directory, **options):
    """Write the files into `directory` (made private to its owner) and return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    paths = []
    for name, text in janus_files(configs_folder=str(directory), **options).items():
        path = directory / name
        path.write_text(text)
        path.chmod(0o600)
        paths.append(path)
    return paths


def ws_address(url):
    """Return (host, port) of a JANUS_URLS entry."""
    parts = urlsplit(url)
    return parts.hostname, parts.port or 8188
