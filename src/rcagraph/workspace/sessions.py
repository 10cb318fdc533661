"""Workspace sessions: who is signed in, kept on the server, never the token itself.

Signing in with an API token creates a :class:`Session` holding the token's sha256 (what the
token store looks tokens up by, :func:`rcagraph.postmortem.tokens.hash_token`), a CSRF token
and an expiry. The browser gets only a random session id in an ``HttpOnly``, ``SameSite=Strict``
cookie; the store keys sessions by the sha256 of that id, so neither the API token nor the
cookie value is kept in memory. Every request looks the token up again through the token store
(:meth:`~rcagraph.postmortem.tokens.TokenStore.authenticate_hash`): a revoked token ends its
sessions at the very next request.

CSRF: a synchronizer token per session, put in every form as the hidden field ``csrf`` and
checked (constant-time) on every POST. The sign-in form, which has no session yet, is guarded
by a double-submit token: a random value in its own ``SameSite=Strict`` cookie that the form
must repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

#: the session cookie (a random id; ``__Host-`` needs Secure, so it is not used on loopback)
SESSION_COOKIE = "rcg_session"
#: the sign-in form's double-submit cookie
SIGNIN_COOKIE = "rcg_signin"
#: the form field every POST carries
CSRF_FIELD = "csrf"
#: sessions kept at most (the oldest go first beyond it)
MAX_SESSIONS = 10_000


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """``a == b`` in constant time (an empty value never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


@dataclass(slots=True)
class Session:
    token_hash: str
    csrf: str
    expires_at: float
    #: the token's id when signed in (a revocation of it ends the session)
    token_id: str = ""
    created_at: float = field(default_factory=time.time)

    def csrf_ok(self, given: str | None) -> bool:
        return same_secret(self.csrf, given or "")


class SessionStore:
    """In-memory sessions of one server process (a restart signs everybody out)."""

    def __init__(self, lifetime_s: float, max_sessions: int = MAX_SESSIONS) -> None:
        self.lifetime_s = lifetime_s
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, token_hash: str, token_id: str = "") -> tuple[str, Session]:
        """A new session for the token with ``token_hash``: its cookie value (shown once) and
        the session."""
        session_id = secrets.token_urlsafe(32)
        session = Session(
            token_hash=token_hash,
            csrf=secrets.token_urlsafe(32),
            expires_at=time.time() + self.lifetime_s,
            token_id=token_id,
        )
        with self._lock:
            self._sessions[_digest(session_id)] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of a cookie value, or None (unknown or expired: dropped)."""
        if not session_id:
            return None
        key = _digest(session_id)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if session.expires_at <= time.time():
                del self._sessions[key]
                return None
            return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(_digest(session_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
