"""Pure functions from text to HTML: Markdown rendering, clause numbering, diff display."""
