"""ODK Central endpoint paths, relative to {base_url}/v1/, as data."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class URLs:
    """Every path this client calls; format with pyodk's Session.urlformat (quotes each field)."""

    sessions: str = "sessions"
    roles: str = "roles"
    projects: str = "projects"
    forms: str = "projects/{project_id}/forms"
    form: str = "projects/{project_id}/forms/{form_id}"
    form_xml: str = "projects/{project_id}/forms/{form_id}.xml"
    form_xlsx: str = "projects/{project_id}/forms/{form_id}.xlsx"
    form_fields: str = "projects/{project_id}/forms/{form_id}/fields"
    version_fields: str = "projects/{project_id}/forms/{form_id}/versions/{version}/fields"
    form_attachments: str = "projects/{project_id}/forms/{form_id}/attachments"
    draft: str = "projects/{project_id}/forms/{form_id}/draft"
    draft_attachment: str = "projects/{project_id}/forms/{form_id}/draft/attachments/{name}"
    draft_attachments: str = "projects/{project_id}/forms/{form_id}/draft/attachments"
    draft_publish: str = "projects/{project_id}/forms/{form_id}/draft/publish"
    form_role_actor: str = "projects/{project_id}/forms/{form_id}/assignments/{role_id}/{actor_id}"
    app_users: str = "projects/{project_id}/app-users"
    submissions: str = "projects/{project_id}/forms/{form_id}/submissions"
    odata_table: str = "projects/{project_id}/forms/{form_id}.svc/{table}"
    datasets: str = "projects/{project_id}/datasets"
    dataset: str = "projects/{project_id}/datasets/{name}"
    entities: str = "projects/{project_id}/datasets/{name}/entities"
    entity: str = "projects/{project_id}/datasets/{name}/entities/{uuid}"
    entity_versions: str = "projects/{project_id}/datasets/{name}/entities/{uuid}/versions"
    entities_csv: str = "projects/{project_id}/datasets/{name}/entities.csv"
    entities_odata: str = "projects/{project_id}/datasets/{name}.svc/Entities"
    # OpenRosa, authenticated by the app user's token in the path, as ODK Collect does.
    openrosa_submission: str = "key/{token}/projects/{project_id}/submission"
    # One submission: edit (PUT), review (PATCH), delete, restore, versions, its media.
    submission: str = "projects/{project_id}/forms/{form_id}/submissions/{instance_id}"
    submission_restore: str = "projects/{project_id}/forms/{form_id}/submissions/{instance_id}/restore"
    submission_versions: str = "projects/{project_id}/forms/{form_id}/submissions/{instance_id}/versions"
    submission_attachments: str = (
        "projects/{project_id}/forms/{form_id}/submissions/{instance_id}/attachments"
    )
    submission_attachment: str = (
        "projects/{project_id}/forms/{form_id}/submissions/{instance_id}/attachments/{name}"
    )
