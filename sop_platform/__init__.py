"""Document control for national mine action Standard Operating Procedures."""
