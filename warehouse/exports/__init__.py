"""Partner-agency exports (REPORT_FORMAT.md, DOMAIN §5): each agency's file with only its columns.

- `agencies`: the one configuration file of agencies (config/agencies.toml), validated;
- `rows`: report rows for a period through a narrow seam, and the extra fields an agency may get;
- `build`: one agency's rows (scope, consent, erasure, minimisation) and its file's bytes;
- `store`: the `export_delivery` log of every delivery and its attempts.
"""
