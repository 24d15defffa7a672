"""Backprop Explorer's web layer: the REST API and the server-rendered pages."""
