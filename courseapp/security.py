"""Response headers, the session cookie, the CSP nonce, safe redirects and where a
request came from."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature
from werkzeug.wrappers import Response


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie, sent again less often. Flask signs and sends a
    permanent session's cookie on every response, so that it lasts
    PERMANENT_SESSION_LIFETIME from the person's last request; that is about a
    fifteenth of the work of a test page. Here a session that has not changed is sent
    again only once its cookie is SESSION_RENEW_AFTER_SECONDS old, so a session still
    ends between the lifetime less that and the lifetime after the last request (11 h
    55 min to 12 h by default). A session that changed is always sent."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        if session.modified:
            return True
        if not super().should_set_cookie(app, session):  # Flask would not refresh it
            return False
        signed_at = getattr(session, "signed_at", None)
        renew_after = timedelta(seconds=float(app.config["SESSION_RENEW_AFTER_SECONDS"]))
        return signed_at is None or datetime.now(UTC) - signed_at >= renew_after


def safe_next_url(target: str | None) -> str | None:
    """Return target only if it stays on this site, as a path; otherwise None."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.netloc != request.host or parts.scheme not in {"http", "https"}:
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(target)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin_request() -> bool:
    """Whether the browser says this request came from one of our own pages: by its
    Sec-Fetch-Site header, or failing that its Origin, or failing both its Referer.
    Without any of them we cannot tell, and the answer is no."""
    ours = {_origin(request.host_url), _origin(current_app.config["BASE_URL"])}
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.lower() in ours
    return bool(request.referrer) and _origin(request.referrer) in ours


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# Static files are served before the app sees the request (courseapp.static_files), so
# they get these headers there, with STATIC_CSP in place of the pages' policy: a static
# file runs no script of its own (an SVG opened on its own included).
STATIC_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


def common_headers(*, hsts: bool) -> dict[str, str]:
    """The security headers of every response, page or static file, but the CSP."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


UNREADABLE_FORM_MESSAGE = (
    "The form contained characters that could not be read (it was not sent as UTF-8). "
    "Nothing has been saved. Go back, reload the page and try again."
)


def refuse_unreadable_form() -> None:
    """A form body that is not UTF-8 reads as no fields at all (Werkzeug drops it whole),
    so its CSRF token would be missing and the post taken for an expired form or
    another site's: say what is wrong instead. Browsers send our forms as UTF-8."""
    if (
        request.method == "POST"
        and request.mimetype == "application/x-www-form-urlencoded"
        and not request.form
        and request.content_length
    ):
        abort(400, UNREADABLE_FORM_MESSAGE)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookie()
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Before the CSRF check, which reads the form's token.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_form)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = _content_security_policy()
        headers.update(common_headers(hsts=app.config["HSTS"]))
        # Asked as "not anonymous" rather than "authenticated": the request has
        # committed by now, and reading whether the user is active would load them again
        # from the database in a transaction of its own. Only active people are signed in.
        if not current_user.is_anonymous:
            headers["Cache-Control"] = "no-store"
        return response
