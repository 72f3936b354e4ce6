"""The plan-status engine (DOMAIN.md §6)."""
