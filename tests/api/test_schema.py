"""Property-based run of the published OpenAPI schema (schemathesis): generated requests to every
operation, valid and invalid, as two roles, against the real application. No answer may be a
server error, and every answer must be one the schema documents."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import EnterpriseFactory, api_key
from tickets import services
from tickets.models import Attachment


def published_schema():
    """The schema /api/schema/ serves, as JSON (generated here: the test modules load before any database exists)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(published_schema())
schema.app = WSGIHandler()


@pytest.fixture(autouse=True)
def _in_process(db, settings):
    settings.API_RATE_LIMIT = "100000/min"
    # As Django's test client does: a request's start and end must not close the test's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_the_served_schema_is_the_one_tested(client):
    served = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert served == published_schema()


def test_every_operation_that_reads_a_body_documents_the_415_for_another_media_type():
    operations = [(path, method, operation) for path, item in published_schema()["paths"].items() for method, operation in item.items()]
    reading = [(path, method) for path, method, operation in operations if "requestBody" in operation]
    assert ("/api/tickets/{reference}/attachments/", "post") in reading  # multipart/form-data only
    assert [(path, method) for path, method, operation in operations if "415" in operation["responses"]] == reading


def test_a_body_of_a_media_type_the_operation_does_not_read_gets_the_415_error(client, dispatcher, submit):
    reference = submit().reference
    client.force_login(dispatcher)
    response = client.post(f"/api/tickets/{reference}/attachments/", data=b"#X", content_type="")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


@pytest.fixture
def world(dispatcher, department_user, company_user, submit, department, category):
    """Tickets in several states, an attachment, and one token per role, so that generated
    requests also reach real objects, not only 404s."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    submitted = submit(title="待交办")
    assigned = services.ticket_assign(ticket=submit(title="已交办"), by=dispatcher, department=department)
    services.ticket_comment(ticket=assigned, by=company_user, text="补充材料", files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")])
    EnterpriseFactory()
    return {
        "references": [submitted.reference, assigned.reference],
        "attachment": Attachment.objects.get().pk,
        "enterprise": company_user.enterprise_id,
        "credit_code": company_user.enterprise.credit_code,
        "category": category.pk,
        "department": department.pk,
        "tokens": {"dispatcher": api_key(dispatcher), "department": api_key(department_user)},
    }


def _aim_at_real_objects(case, world):
    """Half the generated ids, references and credit codes (chosen by the generated value, so a
    run stays reproducible) are replaced by ones that exist, so that requests also get past
    validation into the services, not only into 400s and 404s."""
    real = {
        "reference": world["references"],
        "duplicate_of": world["references"],
        "credit_code": [world["credit_code"]],
        "category": [world["category"]],
        "department": [world["department"]],
        "enterprise": [world["enterprise"]],
        "id": [world["attachment"] if "attachments" in case.path else world["enterprise"]],
    }
    for values in (case.path_parameters, case.query, case.body if isinstance(case.body, dict) else None):
        for name, value in (values or {}).items():
            if name in real and _chosen(value):
                values[name] = real[name][_size(value) % len(real[name])]


def _size(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else len(str(value))


def _chosen(value):
    return _size(value) % 2 == 0


# Not checked: that a schema-valid request is accepted (a generated id rarely names a company or
# category that exists), and that every schema-violating one is refused (an empty query
# parameter means "no filter", as the pages' filter forms send it). tests/api/test_actions.py
# tests the refusals one by one.
NOT_CHECKED = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection]
ANY_EXAMPLE = hypothesis_settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def exercise(case, world, role):
    _aim_at_real_objects(case, world)
    case.call_and_validate(headers={"Authorization": f"Token {world['tokens'][role]}"}, excluded_checks=NOT_CHECKED)


@schema.parametrize()
@ANY_EXAMPLE
def test_no_generated_request_from_dispatch_gets_a_server_error(case, world):
    exercise(case, world, "dispatcher")


@schema.parametrize()
@ANY_EXAMPLE
def test_no_generated_request_from_a_department_gets_a_server_error(case, world):
    exercise(case, world, "department")
