"""One shape for every API error, so that a machine can act on it and a person can read it:

    {"code": "validation_error", "message": "…", "errors": {"title": ["…"]}}

`code` is stable (integrations branch on it); `message` is in the request's language;
`errors` (field → messages) comes with validation errors; a refused transition adds `allowed`.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import api_view
from rest_framework.views import exception_handler as drf_exception_handler

# DRF's own exceptions, by class, to our stable codes.
_CODES = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


class ApiError(exceptions.APIException):
    """An error with its stable code and any extra members of the body (e.g. `allowed`)."""

    def __init__(self, message, *, code, status_code, **extra):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.extra = extra


def refused(error, field=None):
    """services.ActionRefused → the API error for it (its code decides the status). `field`: the
    argument the refusal is about (the page shows it next to that field), named in `errors`."""
    status_code = {
        "invalid": status.HTTP_400_BAD_REQUEST,
        "co_feedback_missing": status.HTTP_400_BAD_REQUEST,  # override_reason is missing
        "forbidden": status.HTTP_403_FORBIDDEN,
        "invalid_state": status.HTTP_409_CONFLICT,
        "conflict": status.HTTP_409_CONFLICT,
    }.get(error.code, status.HTTP_409_CONFLICT)
    extra = {"errors": {field: [error.message]}} if field else {}
    return ApiError(error.message, code=error.code, status_code=status_code, **extra)


def form_errors(form):
    """A bound, invalid Django form's errors as the API's validation error (the pages' forms
    decide the same input the same way for both)."""
    return _by_field(form.errors)


def decide(arguments, form_class, data, run):
    """A decision through the API: `data` checked as the API's `arguments` (types, what the schema
    shows), then as the page's form (its rules and messages), then `run(cleaned_data)`, the
    service; a refusal (services.ActionRefused) becomes the API's error."""
    from tickets.services import ActionRefused

    arguments(data=data).is_valid(raise_exception=True)
    form = form_class(data)
    if not form.is_valid():
        raise form_errors(form)
    try:
        return run(form.cleaned_data)
    except ActionRefused as error:
        raise refused(error) from error


def _by_field(messages):
    """field → messages (Django's "__all__" as DRF's "non_field_errors") as a DRF ValidationError."""
    return exceptions.ValidationError(
        {("non_field_errors" if field == NON_FIELD_ERRORS else field): list(texts) for field, texts in messages.items()}
    )


def _field_errors(detail):
    if isinstance(detail, dict):
        return {field: _flatten(messages) for field, messages in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _flatten(messages):
    if isinstance(messages, dict):  # nested serializer
        return [f"{key}: {text}" for key, value in messages.items() for text in _flatten(value)]
    if isinstance(messages, (list, tuple)):
        return [text for message in messages for text in _flatten(message)]
    return [str(messages)]


def _summary(errors):
    first_field, first_messages = next(iter(errors.items()))
    if first_field == "non_field_errors":
        return first_messages[0]
    return _("The request has errors: %(field)s: %(message)s") % {"field": first_field, "message": first_messages[0]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):  # Model.full_clean(), validate_uploads()
        exc = _by_field(exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found: it does not exist, or you may not see it."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging
    body = {"code": _code(exc), "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        body["errors"] = _field_errors(exc.detail)
        body["message"] = _summary(body["errors"])
    else:
        body["message"] = str(exc.detail)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after_seconds"] = int(exc.wait + 0.999)
    body.update(getattr(exc, "extra", {}))
    response.data = body
    return response


def _code(exc):
    if getattr(exc, "error_code", None):  # ApiError, and tickets.api.authentication's own
        return exc.error_code
    for exception_class, code in _CODES:
        if isinstance(exc, exception_class):
            return code
    return "error"


ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable: validation_error, not_found, transition_not_allowed, …"},
        "message": {"type": "string", "description": "In the request's language (Accept-Language: zh-hans or en)."},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "allowed": {"type": "array", "items": {"type": "string"}},
        "retry_after_seconds": {"type": "integer"},
    },
}

_ERROR_ANSWERS = {
    400: "Invalid input; `errors` names each field.",
    401: "No valid token or session.",
    403: "Not allowed for this user.",
    404: "Does not exist, or is not visible to this user.",
    409: "Not possible in the current state; `allowed` lists the transitions that are.",
    415: "The body is not JSON, a form or multipart/form-data, or has no Content-Type.",
    429: "Rate limit reached; retry after `retry_after_seconds`.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the error answers it can
    give, all with the one error body. An operation that reads a body answers 415
    (unsupported_media_type) to one the API cannot parse (not JSON, a form or multipart), or one
    without a Content-Type: what a client sends to the multipart-only upload when it cannot encode
    the body as multipart."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            codes = {401, 404, 429}  # 404 also for a stale page cursor
            if operation.get("parameters") or "requestBody" in operation:
                codes.add(400)
            if method == "post" or path.endswith("/reports/") or path.endswith("/verification-calls/"):  # reads for some roles only
                codes.add(403)
            if method == "post":
                codes.add(409)
            if "requestBody" in operation:
                codes.add(415)
            for code in sorted(codes):
                operation["responses"].setdefault(
                    str(code),
                    {
                        "description": _ERROR_ANSWERS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def not_found(request, *args, **kwargs):
    """Any other address under /api/: a JSON 404, not the site's HTML page."""
    raise exceptions.NotFound(_("There is no such address in the API; see /api/docs/."))
