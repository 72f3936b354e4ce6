"""Delivery destinations for partner-agency exports: a folder, SFTP (pinned host key), HTTPS POST.

Each destination takes a `Parcel` (the file, its SHA-256 and its delivery key) and returns a
`Receipt`, or raises `DeliveryError` saying whether trying again could help. No database here: the
caller logs every attempt (warehouse/exports/store.py) and retries through `deliver_with_retry`.
"""
