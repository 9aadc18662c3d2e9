"""The domain: documents, chapters, revisions, accounts. Imports no web framework."""
