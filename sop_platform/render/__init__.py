"""Markdown to HTML, clause numbers, word diffs and the published site's pages.

Pure: every function here turns text or an edition already read into HTML, CSV or PDF,
and none reads the database (`reading/` does, and hands its results here).
"""
