"""The EEF plan-status report (`eef-plan-status/1`, REPORT_FORMAT.md): rows, writers, runs."""
