"""One router per concern of the HTTP contract."""
