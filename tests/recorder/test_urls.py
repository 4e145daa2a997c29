"""Stream URL validation, credential injection and masking."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from custom_components.heldar.recorder.urls import (
    InvalidStreamUrlError,
    is_rtsp,
    mask,
    parse_stream_url,
    secret_variants,
    url_secrets,
    with_credentials,
)

NASTY_PASSWORDS = [
    "p@ss/w:rd%21",
    "a/b",
    "x@y",
    "col:on",
    "per%cent",
    "sp ace",
    "ünï¢ødé",
    "#hash?q=1&r",
    "@@//::",
    "trailing\\",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://u:p@h:554/s", "rtsp://***@h:554/s"),
        ("rtsp://admin@h/s", "rtsp://***@h/s"),
        ("open rtsp://u:p@h/s failed", "open rtsp://***@h/s failed"),
        ("Did you mean file:rtsp://user:pass%21@h/s?", "Did you mean file:rtsp://***@h/s?"),
        # An unencoded "/" or "@" in the password: cut at the last "@" of the token.
        ("rtsp://u:pa/ss@h/s", "rtsp://***@h/s"),
        ("rtsp://u:p@ss@h/s", "rtsp://***@h/s"),
        ("'rtsp://u:p@h/s'", "'rtsp://***@h/s'"),
        ("http://h/cgi?user=admin&password=secret&x=1", "http://h/cgi?user=***&password=***&x=1"),
        ("rtsp://h/s?token=abc", "rtsp://h/s?token=***"),
        ("https://h/api?pwd=x;", "https://h/api?pwd=***"),
        ("no url here", "no url here"),
        ("rtsp://h:554/s", "rtsp://h:554/s"),
        ("two: rtsp://a:b@h1/ and http://c:d@h2/", "two: rtsp://***@h1/ and http://***@h2/"),
    ],
)
def test_mask_urls(text: str, expected: str) -> None:
    """Every URL in a text loses its userinfo and credential parameters."""
    assert mask(text) == expected


@pytest.mark.parametrize("password", NASTY_PASSWORDS)
def test_masking_nasty_passwords_in_ffmpeg_output(password: str) -> None:
    """However FFmpeg echoes a URL with a nasty password, no spelling of it survives."""
    url = with_credentials("rtsp://cam.local:554/Streaming/Channels/101", "admin", password)
    secrets = url_secrets(url)
    lines = [
        f"{url}: Server returned 401 Unauthorized (authorization failed)",
        f"Did you mean file:{url}?",
        f"[rtsp @ 0x55] error opening rtsp://admin:{password}@cam.local/s",
        f"password was {password} and encoded {quote(password, safe='')}",
    ]
    for line in lines:
        masked = mask(line, secrets)
        assert password not in masked
        assert quote(password, safe="") not in masked
        assert "***" in masked


def test_parse_splits_credentials_out() -> None:
    """Credentials typed into the URL move to their own fields, decoded."""
    parsed = parse_stream_url("rtsp://admin:p%40ss@Cam.local:554/live?ch=1")
    assert parsed.url == "rtsp://cam.local:554/live?ch=1"  # yarl lower-cases the host
    assert parsed.username == "admin"
    assert parsed.password == "p@ss"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ftp://h/s",
        "file:///etc/passwd",
        "rtsp:///nohost",
        "rtsp://h/with space",
        "rtsp://h/s\n",
        "rtsp://h/\x00",
        "not a url",
        "rtsp://[::1",
    ],
)
def test_parse_rejects(text: str) -> None:
    """Only rtsp, rtsps, http and https URLs with a host and no blanks are accepted."""
    with pytest.raises(InvalidStreamUrlError):
        parse_stream_url(text)


@pytest.mark.parametrize("scheme", ["rtsp", "rtsps", "http", "https"])
def test_parse_accepts_allowed_schemes(scheme: str) -> None:
    """The four schemes FFmpeg records from are accepted."""
    assert parse_stream_url(f"{scheme}://h:1/s").url == f"{scheme}://h:1/s"


@pytest.mark.parametrize("password", NASTY_PASSWORDS)
def test_with_credentials_round_trips(password: str) -> None:
    """Injected credentials are encoded so the authority ends where it should."""
    url = with_credentials("rtsp://h:554/s?x=1#f", "ad:min", password)
    parsed = parse_stream_url(url)
    assert parsed.username == "ad:min"
    assert parsed.password == password
    assert parsed.url == "rtsp://h:554/s?x=1#f"
    userinfo = url.split("://", 1)[1].rsplit("@", 1)[0]
    assert set(userinfo) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%:"
    )


def test_with_credentials_replaces_and_removes() -> None:
    """New credentials replace old ones; none at all strips them."""
    assert with_credentials("rtsp://a:b@h/s", "c", "d") == "rtsp://c:d@h/s"
    assert with_credentials("rtsp://a:b@h/s", "", "") == "rtsp://h/s"
    assert with_credentials("rtsp://h/s", "user", "") == "rtsp://user@h/s"
    assert with_credentials("rtsp://[::1]:8554/s", "u", "p") == "rtsp://u:p@[::1]:8554/s"


def test_is_rtsp() -> None:
    """RTSP options apply to rtsp and rtsps only."""
    assert is_rtsp("rtsp://h/s")
    assert is_rtsp("RTSPS://h/s")
    assert not is_rtsp("http://h/s")


def test_secret_variants_skip_short_and_sort_longest_first() -> None:
    """Very short secrets would mask ordinary words; longer spellings go first."""
    assert secret_variants("ab") == ()
    variants = secret_variants("a/b@")
    assert variants[0] == quote(quote("a/b@", safe=""), safe="")
    assert "a/b@" in variants


def test_url_secrets_cover_password_and_params() -> None:
    """A URL's password and secret query values are all found."""
    secrets = url_secrets("http://u:pw%2F1@h/s?user=bob&password=hunter2&x=abc")
    assert "pw/1" in secrets
    assert "hunter2" in secrets
    assert "bob" in secrets
    assert "abc" not in secrets
    assert url_secrets("::::") == ()
