"""Published content read from the database: editions, the clauses of a document, the
standards as they stood, drift, compliance reports, and the site served or exported.

What it reads it hands to `render/`, whose functions are pure; the memos of that work
belong to a `Memos` object per app (`memos.py`), reached from the session.
"""
