"""The marketer's web pages: every view works on the signed-in user's current organization (kept in the session)."""
