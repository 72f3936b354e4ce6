"""A local ODK Central–compatible HTTP server (v2026.2 API subset) for dev, demos and tests."""

from sandbox.central.server import CentralSandbox, RequestRecord, serve

__all__ = ["CentralSandbox", "RequestRecord", "serve"]
