"""Markdown to HTML, clause numbers, word diffs and the published site.

The functions that turn text into HTML are pure (`markdown`, `diff_html`, `site_pages`);
`publication` reads an edition from the database once, and `live_site` and `static_site`
serve or write its pages.
"""
