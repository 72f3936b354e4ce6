"""ODK Central client over pyodk: config, session, services, wire models and errors."""

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.deploy import FormVersionNotRaised
from connectors.central.errors import (
    ALREADY_EXISTS,
    AUTH_FAILED,
    FORM_EXISTS,
    INSTANCE_EXISTS,
    UNSUPPORTED_FILTER,
    VERSION_EXISTS,
    CentralAuthError,
    CentralError,
    CentralUnreachable,
)
from connectors.central.models import (
    AppUser,
    DeployResult,
    FormField,
    FormInfo,
    OpenRosaResult,
    Submission,
    SubmissionPage,
    SubmissionSystem,
)

__all__ = [
    "ALREADY_EXISTS",
    "AUTH_FAILED",
    "FORM_EXISTS",
    "INSTANCE_EXISTS",
    "UNSUPPORTED_FILTER",
    "VERSION_EXISTS",
    "AppUser",
    "CentralAuthError",
    "CentralClient",
    "CentralConfig",
    "CentralError",
    "CentralUnreachable",
    "DeployResult",
    "FormField",
    "FormInfo",
    "FormVersionNotRaised",
    "OpenRosaResult",
    "Submission",
    "SubmissionPage",
    "SubmissionSystem",
]
