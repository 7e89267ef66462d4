"""Who may talk to the HTTP mode: the browser guard and SigV4 signature verification.

Two checks, in this order, before a request reaches the fake:

1. :func:`refuse_browsers`: a request with an ``Origin`` header, a ``Host`` that is not the
   server's own loopback address, or a body that is not JSON is refused. SDKs and the AWS CLI
   never send ``Origin``; a web page does (and cannot send a JSON content type cross-site
   without a CORS preflight, which is refused too); a DNS-rebinding page sends its own host.
2. :func:`verify_signature`: the request's SigV4 ``Authorization`` header is recomputed with
   botocore's own signer over the request as received (method, raw path and query, exactly
   the headers its ``SignedHeaders`` lists, the body, its ``X-Amz-Date`` or ``Date``) and
   compared in constant time. AWS takes any header the client chose to sign (the AWS SDK for
   Java 1.x signs ``user-agent``; the JavaScript SDK v2 leaves ``content-type`` unsigned); only
   ``host`` and the ``x-amz-*`` headers must be among them.

With signatures not verified, :func:`refuse_fetch_metadata` also refuses what every browser
sends and no page can remove (``Sec-Fetch-Site``, ``Sec-Fetch-Mode``).

Errors are AWS's: the codes and messages AWS answers for the same faults.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import ReadOnlyCredentials
from werkzeug.wrappers import Request

from ..errors import BatchError

_ALGORITHM = "AWS4-HMAC-SHA256"
_UTC = datetime.timezone.utc
_SKEW = datetime.timedelta(minutes=15)  # AWS refuses signatures more than 15 minutes off
_JSON_TYPES = ("application/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1")
_FETCH_METADATA = ("Sec-Fetch-Site", "Sec-Fetch-Mode")  # set by every browser, never by a page


class AuthError(BatchError):
    """A request refused before it reaches the fake (AWS answers 403 for these)."""

    status = 403


class MissingAuthenticationToken(AuthError):
    code = "MissingAuthenticationTokenException"


class IncompleteSignature(AuthError):
    code = "IncompleteSignatureException"


class UnrecognizedClient(AuthError):
    code = "UnrecognizedClientException"


class InvalidSignature(AuthError):
    code = "InvalidSignatureException"


class SignatureExpired(InvalidSignature):
    status = 400  # what AWS answers for "Signature expired" (same code)


class BrowserRefused(AuthError):
    code = "AccessDeniedException"


@dataclass(frozen=True)
class Scope:
    """What a request's credential scope says: who signed, for which region and service."""

    access_key: str
    region: str
    service: str


def refuse_browsers(request: Request, own_hosts: tuple[str, ...]) -> None:
    """Refuse what only a browser (or a page rebinding a name to loopback) would send."""
    if "Origin" in request.headers:
        raise BrowserRefused(
            f"pytest-fakebatch does not answer browser requests (Origin: {request.headers['Origin']})"
        )
    host = request.headers.get("Host", "")
    if host not in own_hosts:
        raise BrowserRefused(
            f"pytest-fakebatch answers for {' or '.join(own_hosts)} only, not Host: {host!r}"
        )
    content_type = request.headers.get("Content-Type")
    if content_type is None and not request.get_data():
        return  # GET/DELETE tag requests carry no body and no content type
    if (content_type or "").split(";", 1)[0].strip().lower() not in _JSON_TYPES:
        raise BrowserRefused(
            f"pytest-fakebatch takes JSON bodies only ({', '.join(_JSON_TYPES)}), "
            f"not Content-Type: {content_type!r}"
        )


def refuse_fetch_metadata(request: Request) -> None:
    """Refuse a request that carries a browser's fetch metadata: with signatures not verified,
    a page could otherwise reach the fake (a GET route needs no JSON body, so no preflight)."""
    for name in _FETCH_METADATA:
        if name in request.headers:
            raise BrowserRefused(
                f"pytest-fakebatch does not answer browser requests ({name}: {request.headers[name]}): "
                "with verify_signatures=False only clients outside a browser are answered; "
                "sign the request with the fake's credentials and serve() with signatures verified"
            )


def scope_of(request: Request) -> Scope | None:
    """The credential scope the ``Authorization`` header names, if any, checking nothing else."""
    credential = _fields(request.headers.get("Authorization", "")).get("Credential", "")
    try:
        return _scope(credential)
    except AuthError:
        return None


def verify_signature(
    request: Request, credentials: ReadOnlyCredentials, service: str, now: datetime.datetime
) -> Scope:
    """The request's credential scope, once its SigV4 signature is proven to be ``credentials``'.

    ``service`` is the signing name the request must be scoped to ("batch" or "logs"), ``now``
    the wall-clock time (UTC) signatures are dated against."""
    authorization = request.headers.get("Authorization")
    if not authorization:
        raise MissingAuthenticationToken("Missing Authentication Token")
    scope, date_scope, signed_headers, signature = _parse(authorization)
    amz_date = _request_date(request)
    if not amz_date:
        raise IncompleteSignature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            f"Authorization={authorization}"
        )
    if scope.service != service:
        raise InvalidSignature(f"Credential should be scoped to correct service: '{service}'. ")
    if not _same(scope.access_key, credentials.access_key) or "X-Amz-Security-Token" in request.headers:
        raise UnrecognizedClient("The security token included in the request is invalid.")
    _check_date(amz_date, date_scope, now)
    expected = _signature(request, credentials, scope, signed_headers, amz_date)
    if not _same(expected, signature):
        raise InvalidSignature(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )
    return scope


def _same(given: str, expected: str) -> bool:
    """A constant-time comparison that also takes what a header may hold (any latin-1 text)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _fields(authorization: str) -> dict[str, str]:
    """``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`` as a dict."""
    rest = authorization.partition(" ")[2]
    return dict(part.strip().partition("=")[::2] for part in rest.split(","))


def _scope(credential: str) -> Scope:
    """``<access key>/<date>/<region>/<service>/aws4_request``."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise IncompleteSignature(
            "Credential should be scoped to a valid region, a service and end with 'aws4_request'. "
            f"Credential={credential}"
        )
    return Scope(parts[0], parts[2], parts[3])


def _parse(authorization: str) -> tuple[Scope, str, list[str], str]:
    """The scope, the scope's date, the signed headers and the signature; all required."""
    if authorization.partition(" ")[0] != _ALGORITHM:
        raise IncompleteSignature(
            f"Authorization header requires the {_ALGORITHM} algorithm. Authorization={authorization}"
        )
    fields = _fields(authorization)
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
    if missing:
        raise IncompleteSignature(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
            + f" Authorization={authorization}"
        )
    scope = _scope(fields["Credential"])
    date_scope = fields["Credential"].split("/")[1]
    return scope, date_scope, fields["SignedHeaders"].split(";"), fields["Signature"]


def _request_date(request: Request) -> str:
    """The request's time stamp: X-Amz-Date, else the Date header. X-Amz-Date "always overrides
    the value of the Date header"; a Date in ISO 8601 basic format serves as it is, and one in
    HTTP's own format (what botocore's signer writes when a request carries Date) is read as the
    same instant."""
    if "X-Amz-Date" in request.headers:
        return request.headers["X-Amz-Date"]
    date = request.headers.get("Date", "")
    try:
        parsed = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return date  # ISO 8601 basic format, or checked (and refused) as if it were
    if parsed.tzinfo is None:  # "-0000", as botocore writes it: HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC).strftime(SIGV4_TIMESTAMP)


def _check_date(amz_date: str, date_scope: str, now: datetime.datetime) -> None:
    try:
        signed_at = datetime.datetime.strptime(amz_date, SIGV4_TIMESTAMP).replace(
            tzinfo=datetime.timezone.utc
        )
    except ValueError:
        raise IncompleteSignature(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.") from None
    if date_scope != amz_date[:8]:
        raise InvalidSignature(
            f"Credential should be scoped to a valid date: '{amz_date[:8]}', not '{date_scope}'."
        )
    stamp = now.strftime(SIGV4_TIMESTAMP)
    if signed_at < now - _SKEW:
        raise SignatureExpired(
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - _SKEW).strftime(SIGV4_TIMESTAMP)} ({stamp} - 15 min.)"
        )
    if signed_at > now + _SKEW:
        raise SignatureExpired(
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + _SKEW).strftime(SIGV4_TIMESTAMP)} ({stamp} + 15 min.)"
        )


def _signature(
    request: Request, credentials: ReadOnlyCredentials, scope: Scope, signed_headers: list[str], amz_date: str
) -> str:
    """botocore's SigV4 signature over the request as it arrived: raw path, its query in
    canonical form, and exactly the headers the client signed."""
    body = request.get_data()
    claimed = request.headers.get("X-Amz-Content-SHA256")
    if claimed is not None and claimed != hashlib.sha256(body).hexdigest():
        raise InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
    # the client chooses what it signs, but what routes or dates a request must be among it:
    # otherwise a captured request could be replayed as another operation (X-Amz-Target)
    present = {name.lower() for name, _ in request.headers.items()}
    must = {"host"} | {h for h in present if h.startswith("x-amz-")}
    unsigned = sorted(must - set(signed_headers))
    if unsigned:
        raise InvalidSignature(f"The request's SignedHeaders must include {', '.join(unsigned)}.")
    headers = HTTPHeaders()
    for name in signed_headers:
        if name not in request.headers:
            raise InvalidSignature(f"The request does not carry the signed header '{name}'.")
        for value in request.headers.getlist(name):  # a repeated header is signed comma-joined
            headers[name] = value
    path, _, query = str(request.environ.get("RAW_URI") or request.full_path).partition("?")
    rebuilt = AWSRequest(
        method=request.method, url=f"http://{request.host}{path}?{_canonical_query(query)}", data=body
    )
    rebuilt.context["timestamp"] = amz_date
    signer = _AsSigned(credentials, scope.service, scope.region, headers)
    canonical = signer.canonical_request(rebuilt)
    signature: str = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
    return signature


class _AsSigned(SigV4Auth):  # type: ignore[misc]  # botocore ships no types
    """botocore's SigV4 signer, signing exactly the headers a client listed in SignedHeaders
    (botocore's own choice leaves out some, such as user-agent, that other SDKs sign)."""

    def __init__(self, credentials: ReadOnlyCredentials, service: str, region: str, signed: HTTPHeaders):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self._signed


def _canonical_query(query: str) -> str:
    """A raw query string as SigV4 canonicalizes it: each name and value URI-encoded (RFC 3986
    unreserved characters kept), sorted by name, then by value."""
    pairs = []
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        pairs.append((_encode(name), _encode(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    return quote(unquote(text), safe="-_.~")
