"""A local KoboToolbox-compatible HTTP server (KPI v2 and OpenRosa subset) for dev, demos and tests."""

from sandbox.kobo.server import KoboSandbox, serve

__all__ = ["KoboSandbox", "serve"]
