"""The staff web application: server-rendered pages over the same services as the API."""
