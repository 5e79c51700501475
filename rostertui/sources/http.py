"""The one HTTP client every network source shares: httpx, done the way nightly jobs need it.

A registry's API at 02:00 is slow, rate-limited, restarted mid-run or behind a proxy that answers
with an HTML login page. A night must survive the transient faults (connection dropped, 429,
5xx: retried with exponential backoff and jitter, Retry-After honoured) and stop at once on the
permanent ones (a rejected token, a TLS failure, a 404, a body that is not JSON) with one line a
person can act on. Either way the message names the URL and never a credential: the Authorization
header is built here and nowhere else, and every message is scrubbed of credential values before
it leaves this module.

Everything is read before anything is built, so a page that finally fails fails the whole run and
nothing from the partial read is applied.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import json
import logging
import random
import re
import ssl
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from rostertui.domain.model import FileFinding, RawRow, SourceError, SourceIssue
from rostertui.sources import without_userinfo
from rostertui.sources.files import nul_removed

log = logging.getLogger("rostertui.sources.http")

UNREADABLE = "SOURCE_UNREADABLE"
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Timeouts, concurrency and retry pacing. Tests shrink the waits; nights keep these."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    concurrency: int = 4
    """Requests in flight at once, across all endpoints of one source."""
    attempts: int = 5
    """Tries per request before the run fails (transient faults only)."""
    backoff: float = 1.0
    """First retry waits about this long; each further retry doubles it (with jitter)."""
    backoff_max: float = 30.0
    retry_after_max: float = 300.0
    """A Retry-After longer than this fails the run rather than stalling the night."""
    page_size: int = 1000


DEFAULT_SETTINGS = HttpSettings()


@dataclass(frozen=True, slots=True)
class FetchEvent:
    """Progress of one endpoint (a page arrived, it finished, or a retry is waiting)."""

    source: str
    endpoint: str
    pages: int
    records: int
    total: int | None = None
    done: bool = False
    note: str = ""

    def __str__(self) -> str:
        if self.note:
            return f"{self.source} {self.endpoint}: {self.note}"
        of = f" of {self.total:,}" if self.total is not None else ""
        state = "read" if self.done else "reading"
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        counts = f"{self.records:,}{of} records, {pages}"
        return f"{self.source} {self.endpoint}: {state} {counts}"


Progress = Callable[[FetchEvent], None]


def stderr_progress(event: FetchEvent) -> None:
    """The default: one line per finished endpoint and per retry, on stderr."""
    if event.done or event.note:
        print(str(event), file=sys.stderr, flush=True)


@dataclass(slots=True)
class Page:
    """One page of records as the server sent it; `url` is where a record's raw row points.
    `nul`: the page holds a NUL (`\\u0000`) somewhere, so its records need `without_nul`."""

    url: str
    items: list[Any]
    nul: bool = False

    @classmethod
    def of(cls, url: str, items: list[Any], response: httpx.Response) -> Page:
        """A page, noting whether its JSON escapes a NUL: one scan of the body, so pages
        without one (all of them, nearly always) cost nothing per record."""
        return cls(url, items, b"\\u0000" in response.content)


def without_nul(value: Any) -> tuple[Any, bool]:
    """`value` with NUL characters taken out of every string in it, and whether there were
    any. A NUL is never part of a name or an id; stored as sent it would cut a value short in
    tools that read C strings, and it shows as nothing on screen."""
    if isinstance(value, str):
        return (value.replace("\x00", ""), True) if "\x00" in value else (value, False)
    if isinstance(value, dict):
        cleaned = {key: without_nul(inner) for key, inner in value.items()}
        return {k: v for k, (v, _) in cleaned.items()}, any(f for _, f in cleaned.values())
    if isinstance(value, list):
        items = [without_nul(inner) for inner in value]
        return [v for v, _ in items], any(f for _, f in items)
    return value, False


def nul_issues(item: dict[str, Any]) -> tuple[dict[str, Any], list[SourceIssue]]:
    """A record from a page with a NUL: cleaned, with a warning naming each field that held
    one (not its value: it may be a protected person's name)."""
    cleaned: dict[str, Any] = {}
    issues: list[SourceIssue] = []
    for key, value in item.items():
        cleaned[key], found = without_nul(value)
        if found:
            issues.append(SourceIssue("SOURCE_VALUE_NONSTANDARD", nul_removed(key), key))
    return cleaned, issues


class Auth(Protocol):
    """How requests are authorised; built by a source from its credentials."""

    hint: str
    """What to check when the server refuses, e.g. 'ROSTERTUI_SS12000_TOKEN'."""

    def headers(self, client: HttpClient) -> dict[str, str]: ...

    def present(self) -> bool: ...

    def refresh(self, client: HttpClient, sent: Mapping[str, str]) -> bool:
        """Called on a 401: True when a fresh credential is worth one more try."""
        ...


class NoAuth:
    """No credentials configured: ask anyway (a server on 127.0.0.1 may need none), and when
    the server refuses, name the variables to set (`hint`)."""

    def __init__(self, hint: str = "") -> None:
        self.hint = hint

    def headers(self, client: HttpClient) -> dict[str, str]:
        return {}

    def present(self) -> bool:
        return False

    def refresh(self, client: HttpClient, sent: Mapping[str, str]) -> bool:
        return False


class Cancelled(Exception):
    """Another endpoint failed; this one stops quietly so the first failure is the answer."""


def source_url(spec: str, prefix: str) -> str:
    """`ss12000+https://host/v2.1` → `https://host/v2.1`; plain http only to this machine.

    A bearer token sent over plain http to another host is a token given away, and userinfo in
    the URL would put a password in the run's source column.
    """
    rest = spec[len(prefix) + 1 :] if spec.startswith(prefix + "+") else ""
    parts = urlsplit(rest)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(
            UNREADABLE,
            f"{without_userinfo(spec)}: not a {prefix} URL "
            f"(expected {prefix}+https://host/path, or {prefix}+http://127.0.0.1:port/path)",
        )
    if parts.username or parts.password:
        raise SourceError(
            UNREADABLE,
            f"{without_userinfo(spec)}: credentials in the URL are refused; "
            "use environment variables or --credentials FILE",
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SourceError(
            UNREADABLE,
            f"{without_userinfo(spec)}: plain http is only allowed to this machine (127.0.0.1); "
            f"use {prefix}+https://",
        )
    return rest.rstrip("/")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


class HttpClient:
    """One httpx.Client for one source read: keep-alive, bounded concurrency, retries.

    Thread-safe: endpoints are read in parallel threads, and a semaphore keeps the requests in
    flight at `settings.concurrency` however many threads ask.
    """

    def __init__(
        self,
        source: str,
        settings: HttpSettings | None = None,
        *,
        auth: Auth | None = None,
        verify: ssl.SSLContext | bool = True,
        scrub: Callable[[str], str] = lambda text: text,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.settings = settings or DEFAULT_SETTINGS
        self.auth: Auth = auth or NoAuth()
        self.scrub = scrub
        self.progress = progress
        self.requests = 0
        self.cancelled = threading.Event()
        self._runtime_secrets: set[str] = set()
        self._count_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.settings.concurrency)
        s = self.settings
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            limits=httpx.Limits(
                max_connections=s.concurrency, max_keepalive_connections=s.concurrency
            ),
            verify=verify,
            headers={"Accept": "application/json", "User-Agent": "rostertui"},
            follow_redirects=False,
            trust_env=False,  # no proxy or netrc surprises: what the URL says is what is asked
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- requests -----------------------------------------------------------------------------

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, endpoint: str = ""
    ) -> tuple[Any, httpx.Response]:
        """GET a JSON document, with the retries and the error messages of this module."""
        response = self.send("GET", url, params=params, endpoint=endpoint)
        return self.decode(response), response

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        basic: tuple[str, str] | None = None,
        endpoint: str = "",
        authorise: bool = True,
        refused: str = "",
    ) -> httpx.Response:
        """One request, retried on transient faults; raises SourceError on a final failure.

        `refused` words a 401/403 for requests that carry their own credentials (the OAuth2
        token request: "client id/secret rejected")."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers = self.auth.headers(self) if authorise else {}
            if basic is not None:
                headers = {**headers, "Authorization": self._basic(*basic)}
            request = self._client.build_request(
                method, url, params=params, data=data, headers=headers
            )
            outcome = self._exchange(request)
            if isinstance(outcome, httpx.Response):
                if outcome.status_code < 400:
                    return outcome
                renew = outcome.status_code == 401 and authorise and not refreshed
                if renew and self.auth.refresh(self, headers):
                    refreshed, attempt = True, attempt - 1
                    continue
                outcome = self._judge(outcome, refused)
            problem, wait_for = outcome
            shown = str(request.url)
            if attempt >= self.settings.attempts:
                raise self._error(f"{shown}: {problem}; gave up after {attempt} attempts")
            delay = self._delay(attempt, wait_for)
            self._note(endpoint or shown, f"{problem}; retry {attempt} in {delay:.1f} s")
            if self.cancelled.wait(delay):
                raise Cancelled

    def _exchange(self, request: httpx.Request) -> httpx.Response | tuple[str, float | None]:
        """The response, or a transient transport problem to retry; TLS failures raise."""
        if self.cancelled.is_set():
            raise Cancelled
        try:
            with self._slots:
                if self.cancelled.is_set():
                    raise Cancelled
                with self._count_lock:
                    self.requests += 1
                return self._client.send(request)
        except httpx.TimeoutException as exc:
            return _timeout_problem(exc, self.settings), None
        except httpx.TransportError as exc:
            shown = str(request.url)
            tls = _tls_problem(exc)
            if tls:
                raise self._error(f"{shown}: TLS with {host_of(shown)} failed: {tls}") from None
            return _transport_problem(exc), None

    def _judge(self, response: httpx.Response, refused: str) -> tuple[str, float | None]:
        """An error status: a transient problem to retry (429, 5xx), or a SourceError now."""
        status, reason = response.status_code, response.reason_phrase
        shown = str(response.request.url)
        if status in (401, 403):
            if refused:
                raise self._error(
                    f"{refused} by {host_of(shown)} (HTTP {status} {reason} at {shown})"
                )
            raise self._error(self._rejected(shown, response))
        if status != 429 and status < 500:
            raise self._error(f"{shown}: HTTP {status} {reason}{_snippet(response)}")
        problem = f"HTTP {status} {reason}"
        wait_for = _retry_after(response)
        limit = self.settings.retry_after_max
        if wait_for is not None and wait_for > limit:
            raise self._error(
                f"{shown}: {problem}; the server asks to wait {wait_for:.0f} s "
                f"(Retry-After), longer than the {limit:.0f} s allowed"
            )
        return problem, wait_for

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter; at least what Retry-After asks for."""
        s = self.settings
        backoff = min(s.backoff_max, s.backoff * 2 ** (attempt - 1))
        jittered = backoff / 2 + random.uniform(0, backoff / 2)
        if retry_after is not None:
            return retry_after + random.uniform(0, min(s.backoff, 1.0) / 10)
        return jittered

    def decode(self, response: httpx.Response) -> Any:
        """The body as JSON, or a SourceError saying what came instead."""
        url = str(response.request.url)
        content_type = response.headers.get("content-type", "")
        body = response.content
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            kind = content_type.split(";")[0].strip() or "no content-type"
            if "json" in kind:
                where = f" at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
                raise self._error(
                    f"{url}: the answer is broken JSON ({len(body):,} bytes, "
                    f"{getattr(exc, 'msg', 'undecodable')}{where})"
                ) from None
            raise self._error(
                f"{url}: the answer is not JSON ({kind}){_snippet(response, lead=': starts ')}"
            ) from None

    def _rejected(self, url: str, response: httpx.Response) -> str:
        status = f"HTTP {response.status_code} {response.reason_phrase}"
        host = host_of(url)
        if not self.auth.present():
            hint = f": set {self.auth.hint} or give --credentials FILE" if self.auth.hint else ""
            return f"{host} requires credentials and none are set ({status} at {url}){hint}"
        hint = f"; check {self.auth.hint}" if self.auth.hint else ""
        what = "access denied" if response.status_code == 403 else "token rejected"
        return f"{what} by {host} ({status} at {url}){hint}"

    def _basic(self, user: str, password: str) -> str:
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.remember_secret(encoded)
        return f"Basic {encoded}"

    def remember_secret(self, value: str) -> None:
        """A secret obtained at run time (an OAuth2 access token): scrubbed like the rest."""
        if len(value) >= 4:
            self._runtime_secrets.add(value)

    def clean(self, text: str) -> str:
        """The text with every credential value this client knows replaced by '***'."""
        text = self.scrub(text)
        for value in sorted(self._runtime_secrets, key=len, reverse=True):
            text = text.replace(value, "***")
        return text

    def _error(self, message: str) -> SourceError:
        """A run-level failure. The URL is in the message, not in `ref`: the store reads a ref
        as "file:line" and a URL's own colons would make it a file named "http"."""
        return SourceError(UNREADABLE, self.clean(message))

    def _note(self, endpoint: str, note: str) -> None:
        log.info("%s %s: %s", self.source, endpoint, self.clean(note))
        if self.progress:
            self.progress(FetchEvent(self.source, endpoint, 0, 0, note=self.clean(note)))

    def report(self, event: FetchEvent) -> None:
        if self.progress:
            self.progress(event)


class PageCounter:
    """Progress of one endpoint, reported as each page arrives and when it is done."""

    def __init__(self, client: HttpClient, endpoint: str, total: int | None = None) -> None:
        self.client, self.endpoint, self.total = client, endpoint, total
        self.pages = self.records = 0

    def add(self, page: Page) -> Page:
        self.pages += 1
        self.records += len(page.items)
        self.client.report(
            FetchEvent(self.client.source, self.endpoint, self.pages, self.records, self.total)
        )
        return page

    def done(self, total: int | None = None) -> None:
        """`total` when only the end of the paging tells it (a pageToken source)."""
        self.client.report(
            FetchEvent(
                self.client.source,
                self.endpoint,
                self.pages,
                self.records,
                self.total if total is None else total,
                True,
            )
        )


# -- failure descriptions --------------------------------------------------------------------------


def _timeout_problem(exc: httpx.TimeoutException, settings: HttpSettings) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {settings.connect_timeout:g} s (connect timeout)"
    return f"no answer within {settings.read_timeout:g} s (read timeout)"


def _transport_problem(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        reason = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip() or "refused"
        return f"cannot connect ({reason[:80]})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server dropped the connection"
    if isinstance(exc, httpx.ReadError):
        return "the connection broke while reading"
    return f"transport error ({type(exc).__name__})"


def _tls_problem(exc: BaseException) -> str:
    """The TLS reason when a transport error was a certificate or handshake failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"certificate not trusted ({current.verify_message})"
        if isinstance(current, ssl.SSLError):
            reason = current.reason or "handshake failed"
            return reason.lower().replace("_", " ")
        current = current.__cause__ or current.__context__
    text = str(exc)
    if "SSL" in text or "TLS" in text or "CERTIFICATE" in text.upper():
        return "handshake failed"
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _snippet(response: httpx.Response, lead: str = ": ") -> str:
    """The start of an error body, printable only and short: enough to recognise a proxy page."""
    text = response.content[:200].decode("utf-8", errors="replace")
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if not text:
        return ""
    return f"{lead}{text[:80]!r}" + ("…" if len(text) > 80 else "")


# -- running endpoints in parallel -----------------------------------------------------------------


def run_parallel(client: HttpClient, tasks: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each task in its own thread (the client bounds the requests in flight). On the first
    failure the others are cancelled and that failure is raised: one clear answer per run."""
    if not tasks:
        return {}
    results: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=len(tasks), thread_name_prefix="rostertui-http") as pool:
        futures: dict[Future, str] = {pool.submit(task): name for name, task in tasks.items()}
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:  # Ctrl-C: stop paging instead of finishing the night unseen
            client.cancelled.set()
            raise
        if any(f.exception() is not None for f in done):
            client.cancelled.set()
        wait(futures)
    errors = [
        f.exception()
        for f in futures
        if f.exception() is not None and not isinstance(f.exception(), Cancelled)
    ]
    if errors:
        raise errors[0]  # type: ignore[misc]
    for future, name in futures.items():
        results[name] = future.result()
    return results


# -- raw rows from JSON ----------------------------------------------------------------------------


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_SHOWN = {True: "true", False: "false"}


def json_value(value: Any) -> str:
    """A JSON value as the record screen shows it: strings as they are, the rest compact JSON.

    Called for every field of every record (millions a night): one shared encoder, and the
    common scalars without it."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if value is True or value is False:
        return _SHOWN[value]
    return _COMPACT.encode(value)


def empty_endpoint(base: str, endpoint: str) -> FileFinding:
    """An endpoint that answered with no records: on a first night that is not a roster."""
    return FileFinding(
        "SOURCE_FILE_EMPTY",
        "file",
        endpoint,
        f"{base}{endpoint}: the endpoint returned no records",
        endpoint,  # a file-like ref: the store splits refs at ":"
    )


def record_without_id(endpoint: str, line: int, ref: str, field: str) -> FileFinding:
    """A record of a page that names no id (`field`): it cannot be read, the rest can."""
    return FileFinding(
        "SOURCE_ROW_MALFORMED",
        "file",
        endpoint,
        f"{endpoint}: record {line} of the page has no {field} and cannot be read",
        ref,
    )


def raw_rows(
    entries: Iterable[tuple[Mapping[str, str], str, int]],
    headers: dict[str, tuple[str, ...]],
    url: str,
    *,
    masked: str | None = None,
    may_hold_civic_no: tuple[str, ...] = (),
) -> list[RawRow]:
    """Raw rows for one endpoint from (flattened record, origin, line): one header (every key
    seen, in first-seen order) shared by all, and kept in `headers` under the endpoint's URL
    and each page's, because the store keeps one header per origin. `masked` names a
    civic-number field, `may_hold_civic_no` fields where one may hide (RawRow.of)."""
    entries = list(entries)
    positions: dict[str, int] = {}
    for flat, _, _ in entries:
        for key in flat:
            if key not in positions:
                positions[key] = len(positions)
    header = tuple(positions)
    headers[url] = header
    for origin in {origin for _, origin, _ in entries}:
        headers[origin] = header
    return [
        RawRow.of(
            header,
            [flat.get(key, "") for key in header],
            origin,
            line,
            masked=masked,
            may_hold_civic_no=may_hold_civic_no,
        )
        for flat, origin, line in entries
    ]


def flatten(
    item: Mapping[str, Any],
    *,
    metadata: bool = False,
    shared: dict[tuple, str] | None = None,
) -> dict[str, str]:
    """Top-level keys → display strings; with `metadata`, a `metadata` object's keys become
    `metadata.<key>` columns, as OneRoster CSV extension columns are.

    `shared` remembers small references (`{"sourcedId": …, "type": …}`): half a million
    enrollments name a few thousand classes, so each is encoded once and its text shared."""
    flat: dict[str, str] = {}
    for key, value in item.items():
        if type(value) is str:
            flat[key] = value
        elif metadata and key == "metadata" and isinstance(value, Mapping):
            for inner, inner_value in value.items():
                flat[f"metadata.{inner}"] = json_value(inner_value)
        elif shared is not None and type(value) is dict and len(value) <= 4:
            try:
                identity = tuple(value.items())
                text = shared.get(identity)
            except TypeError:  # a nested list or object: not a plain reference
                flat[key] = json_value(value)
                continue
            if text is None:
                text = shared[identity] = json_value(value)
            flat[key] = text
        else:
            flat[key] = json_value(value)
    return flat
