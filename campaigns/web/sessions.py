"""Django's database sessions, with the session read in SQL (``SESSION_ENGINE``): every signed-in request reads its
session, and the ORM took longer to build that one-row query than the database to answer it. Writing, expiry and
``clearsessions`` are Django's own."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone

from campaigns.services import page_sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        """The unexpired session of this key, or None (the key is then forgotten, as Django does)."""
        found = self.model.objects.raw(
            f"SELECT * FROM {page_sql.table(self.model)} WHERE session_key = %s AND expire_date > %s",
            [self.session_key, page_sql.moment(timezone.now())],
        )
        session = next(iter(found), None)
        if session is None:
            self._session_key = None
        return session
