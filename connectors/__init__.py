"""Clients for the outside world (ODK Central, KoboToolbox, delivery targets) and their wire models."""
