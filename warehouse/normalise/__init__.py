"""Raw submissions into typed tables: one pure normaliser per form, a driver, quarantine and replay."""
