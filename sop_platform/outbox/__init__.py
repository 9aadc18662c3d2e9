"""The channels notifications leave by (e-mail, webhook) and the worker that sends them:
`core/delivery.py`'s steps with the senders the settings configure."""
