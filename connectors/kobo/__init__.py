"""KoboToolbox (KPI v2) client: deploy XLSForms with their media, read the submissions feed."""

from connectors.kobo.client import KoboClient
from connectors.kobo.config import KoboConfig
from connectors.kobo.errors import KoboError
from connectors.kobo.models import KoboDeployResult

__all__ = ["KoboClient", "KoboConfig", "KoboDeployResult", "KoboError"]
