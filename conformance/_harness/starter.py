"""``conformance init``: a commented starter target file for the standards chosen.

Writing a target file meant collecting keys from the README and four docs,
with the gaps showing up mid-run, one at a time. The starter has every key
the chosen standards need (``target.py``, ``cloud_target.py`` and
``docs/<STANDARD>.md`` say which), a placeholder where the platform's own
value goes, and for every secret the environment variable it is read from;
``conformance check-target`` then tries it. What each standard asks of the
file is the table ``NEEDS`` below, held to the docs by its tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance._harness.errors import UsageError
from conformance._harness.target import CLIENTS, CORE_USERS, Limits
from conformance._version import __version__


@dataclass(frozen=True)
class Needs:
    """What one standard's checks ask of a target file."""

    users: tuple[str, ...] = ()
    roles: tuple[tuple[str, str], ...] = ()
    """(client, user) pairs that need a token."""
    domains: bool = False
    s3: bool = False
    oci: bool = False
    doc: str = ""


def _every_client(*users: str) -> tuple[tuple[str, str], ...]:
    return tuple((client, user) for user in users for client in CLIENTS)


NEEDS: dict[str, Needs] = {
    # COMMON C2: alice, bob and carol; the tokens are checked before any requirement.
    "COMMON": Needs(CORE_USERS, (("first_party", "alice"),)),
    # PORT: first_party for all three (carol: the quota probe), third_party for alice and carol.
    "PORT": Needs(
        CORE_USERS,
        (
            *(("first_party", u) for u in CORE_USERS),
            ("third_party", "alice"),
            ("third_party", "carol"),
        ),
        doc="docs/PORT.md",
    ),
    # FAIR: every client, as different users.
    "FAIR": Needs(CORE_USERS, _every_client(*CORE_USERS), doc="docs/FAIR.md"),
    # LINK: alice through every client (LINK-005), bob too (LINK-004, LINK-006); its domains.
    "LINK": Needs(
        CORE_USERS,
        (*_every_client("alice"), ("first_party", "bob")),
        domains=True,
        doc="docs/LINK.md",
    ),
    # DISC: workers w1, w2 and merchants m1, m2, each with a token for every client.
    "DISC": Needs(
        ("w1", "w2", "m1", "m2"), _every_client("w1", "w2", "m1", "m2"), doc="docs/DISC.md"
    ),
    # CLOUD: the switching API's bearer tokens, S3 key pairs of two accounts, a registry login.
    "CLOUD": Needs(
        ("alice", "bob"),
        (("first_party", "alice"), ("first_party", "bob")),
        s3=True,
        oci=True,
        doc="docs/CLOUD.md",
    ),
}

_HEADERS = {
    "first_party": "MyPlatform/5.1 (iOS)",
    "third_party": "IndieApp/1.0",
    "competitor": "RivalApp/2.0",
}


def standards_of(chosen: Sequence[str]) -> list[str]:
    """The standards a starter covers: those chosen (all without a choice), COMMON always."""
    known = list(NEEDS)
    wanted = [s.upper() for s in chosen] or known
    for standard in wanted:
        if standard not in NEEDS:
            raise UsageError(
                f"--standard {standard}: not a standard of the suite; use one of: "
                + ", ".join(known)
            )
    return ["COMMON", *(s for s in known if s in wanted and s != "COMMON")]


def env_prefix(name: str) -> str:
    """``my-platform`` → ``MY_PLATFORM``: the start of every environment variable's name."""
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") or "TARGET"


def token_env(prefix: str, client: str, user: str) -> str:
    """The variable of one role's token."""
    return f"{prefix}_TOKEN_{client.upper()}_{user.upper()}"


def starter(chosen: Sequence[str], name: str = "my-platform") -> str:
    """The text of a starter target file (YAML with comments) for ``chosen`` standards."""
    standards = standards_of(chosen)
    needs = [NEEDS[s] for s in standards]
    prefix = env_prefix(name)
    users = list(dict.fromkeys(u for n in needs for u in (*CORE_USERS, *n.users)))
    roles = set(r for n in needs for r in n.roles)
    docs = ", ".join(n.doc for n in needs if n.doc)
    lines = [
        f"# A target file for interop-conformance {__version__}, written by `conformance init`",
        f"# for {', '.join(standards)}. Replace every <...> and example value with your",
        "# platform's. Secrets never go in this file: each *_env key names the environment",
        "# variable that holds one. Then try it, judging nothing: conformance check-target FILE",
        f'# The keys: README.md ("The target file"){", " + docs if docs else ""}.',
        "",
        f"name: {name}",
        "base_url: https://api.example.org   # where GET /.well-known/interop answers",
        "allowed_origins: []                 # other origins the suite may contact (a CDN, …)",
        "clients:                            # how each client presents itself (COMMON C2)",
        *(f'  {c + ":":<13}{{headers: {{User-Agent: "{_HEADERS[c]}"}}}}' for c in CLIENTS),
        "users:                              # the platform's ids of your test accounts",
        *(f'  {u + ":":<7}{{id: "<the id of {u} on the platform>"}}{_user_note(u)}' for u in users),
        "credentials:                        # one token per client and user, from the environment",
    ]
    for client in CLIENTS:
        mine = [u for u in users if (client, u) in roles]
        if mine:
            lines.append(f"  {client}:")
            lines += [
                f"    {u + ':':<7}{{token_env: {token_env(prefix, client, u)}}}" for u in mine
            ]
    if any(n.domains for n in needs):
        lines += [
            "domains:                            # LINK: data written into bodies, never contacted",
            "  own:        [example-platform.example]       # the platform's own domains",
            "  competitor: [rival.example, shop.rival.example]",
            "  neutral:    [example.org, news.example.net]  # domains the platform does not list",
        ]
    if any(n.s3 or n.oci for n in needs):
        lines += _cloud(prefix)
    lines += _launch(prefix)
    lines += _limits()
    return "\n".join(lines) + "\n"


def _user_note(user: str) -> str:
    notes = {"carol": "   # reserved for quota probing", "w1": "   # DISC: workers w1, w2"}
    notes["m1"] = "   # DISC: merchants m1, m2"
    return notes.get(user, "")


def _cloud(prefix: str) -> list[str]:
    return [
        "cloud:                              # CLOUD's surfaces (docs/CLOUD.md)",
        "  s3:",
        "    endpoint: https://s3.example.org # scheme, host and port (no path)",
        "    region: us-east-1",
        "    addressing: path                 # path | virtual",
        "    # bucket_prefix: qa-             # optional: what the suite's buckets begin with",
        "    users:                           # alice and bob: two different accounts",
        "      alice: {access_key_id: <alice's access key id>, "
        f"secret_access_key_env: {prefix}_S3_SECRET_ALICE}}",
        "      bob:   {access_key_id: <bob's access key id>, "
        f"secret_access_key_env: {prefix}_S3_SECRET_BOB}}",
        "  oci:",
        "    endpoint: https://registry.example.org",
        "    # repository: team/probe         # optional: the repository the suite pushes into",
        "    username: alice                  # optional, with password_env",
        f"    password_env: {prefix}_REGISTRY_PASSWORD",
        "# claims:                           # only for a platform with no discovery document",
        '#   - {id: CLOUD, version: "1.0", profiles: [s3]}',
    ]


def _launch(prefix: str) -> list[str]:
    """A commented ``launch:`` section: the platform started from a local image (docs/LAUNCH.md)."""
    return [
        "# launch:                           # optional: start the platform from an image first",
        "#   image: example/platform:1.4      # a local image (never pulled)",
        "#   port: 8811                       # it listens on 127.0.0.1:8811 (base_url's port)",
        f'#   environment: {{ADMIN_TOKEN: "${{{prefix}_ADMIN_TOKEN}}"}}   # ${{VAR}}: from the host',
        "#   start_timeout: 60s               # docs/LAUNCH.md has every key",
    ]


def _limits() -> list[str]:
    defaults = Limits()
    return [
        "limits:                             # the defaults, safe for production (README, Trust)",
        *(
            f"  # {key}: {_plain(value)}"
            for key, value in vars(defaults).items()
            if key != "requests_per_second"
        ),
        f"  requests_per_second: {_plain(defaults.requests_per_second)}  # the suite's pace",
    ]


def _plain(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def env_names(text: str) -> list[str]:
    """The environment variables a starter names (``*_env`` values), in order."""
    return list(dict.fromkeys(re.findall(r"_env: ([A-Z0-9_]+)", text)))


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to a file that must not exist yet (never overwrite a target file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UsageError(
            f"{path} exists: init never overwrites a target file. Fix: give another --out, "
            "or remove the file"
        ) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be written ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
