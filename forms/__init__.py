"""XLSForm sources, their media, and the script that rebuilds the media."""

# The definitions live in forms.paths: when tests/ is on sys.path ahead of the project (pytest's
# rootdir conftest puts it there), `forms` can load as a namespace package that skips this file.
from forms.paths import FORMS_DIR, MEDIA_DIR, form_paths, media_paths

__all__ = ["FORMS_DIR", "MEDIA_DIR", "form_paths", "media_paths"]
