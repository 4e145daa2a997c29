"""Stream URLs: validation, credential injection and masking.

Credentials live in their own config fields and are injected only when FFmpeg is started,
so a URL shown in the UI, a log line or diagnostics never carries a secret. Masking is the
second line of defence for text we do not control, such as FFmpeg's stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from urllib.parse import quote, unquote

from yarl import URL

ALLOWED_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
RTSP_SCHEMES = frozenset({"rtsp", "rtsps"})
MASK = "***"

# Anything that is not printable ASCII-or-beyond, or is whitespace, is refused outright.
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")

# A URL-ish token: scheme://rest-of-token. The token ends at whitespace or a quote, never at
# "/", so a password holding an unencoded "/" or "@" is still covered by the last-"@" rule.
_URL_TOKEN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s'\"<>`]+)")

# Query or form parameters that carry credentials in camera URLs (Reolink ``password=``,
# Foscam ``pwd=``, tokens on cloud relays ...).
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:user(?:name)?|usr|login|pass(?:word|wd)?|pwd|token|access_token|"
    r"auth|authorization|key|api_?key|secret|sig(?:nature)?|session)=)(?P<value>[^&#\s'\"]*)",
    re.IGNORECASE,
)

# Secrets this short are too likely to appear by chance in ordinary text to scrub literally.
_MIN_LITERAL_SECRET = 3


class InvalidStreamUrlError(ValueError):
    """The text is not a stream URL Heldar can record."""


@dataclass(frozen=True, slots=True)
class StreamUrl:
    """A stream URL split into its credential-free form and its credentials."""

    url: str
    username: str
    password: str


def parse_stream_url(text: str) -> StreamUrl:
    """Validate ``text`` and split any ``user:pass@`` out of it.

    Raises ``InvalidStreamUrlError`` for anything but a well-formed rtsp/rtsps/http/https URL
    with a host, and for whitespace or control characters anywhere in it.
    """
    if not text or _FORBIDDEN.search(text):
        msg = "whitespace or control characters"
        raise InvalidStreamUrlError(msg)
    try:
        parsed = URL(text)
    except (ValueError, TypeError) as err:
        raise InvalidStreamUrlError(str(err)) from err
    if parsed.scheme not in ALLOWED_SCHEMES:
        msg = f"scheme {parsed.scheme!r} is not one of {sorted(ALLOWED_SCHEMES)}"
        raise InvalidStreamUrlError(msg)
    if not parsed.raw_host:
        msg = "no host"
        raise InvalidStreamUrlError(msg)
    authority = parsed.raw_authority
    userinfo, _, host_port = authority.rpartition("@")
    raw_user, _, raw_password = userinfo.partition(":")
    clean = _assemble(parsed, "", host_port)
    return StreamUrl(clean, unquote(raw_user), unquote(raw_password))


def with_credentials(url: str, username: str, password: str) -> str:
    """Return ``url`` with ``username``/``password`` percent-encoded into its authority.

    Everything but ``A-Za-z0-9-._~`` is encoded, so ``@``, ``/``, ``:`` and ``%`` in a password
    cannot change where the authority ends. Credentials already in ``url`` are replaced.
    """
    parsed = URL(url)
    host_port = parsed.raw_authority.rpartition("@")[2]
    if not username and not password:
        return _assemble(parsed, "", host_port)
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return _assemble(parsed, userinfo, host_port)


def _assemble(parsed: URL, userinfo: str, host_port: str) -> str:
    text = f"{parsed.scheme}://"
    if userinfo:
        text += f"{userinfo}@"
    text += host_port + parsed.raw_path
    if parsed.raw_query_string:
        text += f"?{parsed.raw_query_string}"
    if parsed.raw_fragment:
        text += f"#{parsed.raw_fragment}"
    return text


def is_rtsp(url: str) -> bool:
    """Whether FFmpeg's RTSP-only options apply to ``url``."""
    return url.split(":", 1)[0].lower() in RTSP_SCHEMES


def secret_variants(*secrets: str) -> tuple[str, ...]:
    """Every spelling of ``secrets`` FFmpeg might echo: raw, percent-encoded, double-encoded."""
    variants: set[str] = set()
    for secret in secrets:
        if len(secret) < _MIN_LITERAL_SECRET:
            continue
        encoded = quote(secret, safe="")
        variants.update({secret, encoded, quote(encoded, safe=""), quote(secret)})
    # Longest first, so a replacement never leaves the tail of a longer spelling behind.
    return tuple(sorted(variants, key=len, reverse=True))


def mask(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Hide credentials in free text such as FFmpeg's stderr.

    - every ``scheme://userinfo@`` becomes ``scheme://***@``, cutting at the *last* ``@`` of the
      token, so unencoded ``/``, ``@`` or ``:`` in a password cannot leak its tail;
    - credential-like query parameters (``password=``, ``pwd=``, ``token=`` ...) lose their value;
    - any literal ``secrets`` (see ``secret_variants``) are replaced wherever they appear.
    """
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _URL_TOKEN.sub(_mask_url_token, text)
    return _SECRET_PARAM.sub(lambda m: m.group("key") + MASK, text)


def _mask_url_token(match: re.Match[str]) -> str:
    rest = match.group("rest")
    userinfo, at, tail = rest.rpartition("@")
    if not at or not userinfo:
        return match.group(0)
    return f"{match.group('scheme')}{MASK}@{tail}"


def url_secrets(url: str) -> tuple[str, ...]:
    """Return the spellings of every secret carried by ``url``: its password and secret params."""
    try:
        parsed = URL(url)
    except ValueError, TypeError:
        return ()
    found = [parsed.raw_password or ""]
    found += [m.group("value") for m in _SECRET_PARAM.finditer("?" + parsed.raw_query_string)]
    return secret_variants(*(unquote(value) for value in found if value))
