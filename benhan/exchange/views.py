"""HTTP endpoints of the exchange: the inbox (JWS-authenticated, no session) and the directory."""

from __future__ import annotations

import logging

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .calls import answer
from .inbox import receive
from .messages import MessageRefused
from .models import Node
from .outbox import hosted_codes

log = logging.getLogger(__name__)
MAX_MESSAGES = 1000


@csrf_exempt
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages authenticate by their own signatures; each gets an acknowledgement in order."""
    try:
        tokens = orjson.loads(request.body).get("messages")
    except (orjson.JSONDecodeError, AttributeError):
        return JsonResponse({"error": "body must be JSON {\"messages\": [JWS, ...]}"}, status=400)
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens) or len(tokens) > MAX_MESSAGES:
        return JsonResponse({"error": f"messages must be a list of at most {MAX_MESSAGES} JWS strings"}, status=400)
    hosted = hosted_codes()
    acks = [receive(token, hosted=hosted) for token in tokens]
    for ack in acks:
        if ack.status == "refused":
            log.warning("exchange message refused from %s: %s", request.META.get("REMOTE_ADDR"), ack.detail)
    return JsonResponse({"acks": [a.as_json() for a in acks]})


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The public part of the directory: codes, endpoints and public keys (nothing secret)."""
    nodes = [{"code": n.code, "name": n.name, "base_url": n.base_url, "public_jwk": n.public_jwk, "is_hub": n.is_hub}
             for n in Node.objects.filter(active=True).order_by("code")]
    return JsonResponse({"nodes": nodes})


@csrf_exempt
@require_POST
def call(request: HttpRequest) -> HttpResponse:
    """A signed question from another node, answered now with a signed answer (refusals are answers too)."""
    try:
        token = orjson.loads(request.body).get("question")
    except (orjson.JSONDecodeError, AttributeError):
        token = None
    if not isinstance(token, str):
        return JsonResponse({"error": "body must be JSON {\"question\": JWS}"}, status=400)
    try:
        return JsonResponse({"answer": answer(token, hosted=hosted_codes())})
    except MessageRefused as exc:
        log.warning("exchange question refused from %s: %s", request.META.get("REMOTE_ADDR"), exc)
        return JsonResponse({"error": str(exc)}, status=403)


@csrf_exempt
@require_GET
def pdqm_patients(request: HttpRequest) -> HttpResponse:
    """PDQm Patient search at the hub's index (bearer token with a Patient read scope; audited)."""
    from urllib.parse import parse_qsl

    from benhan.fhir.access import READ
    from benhan.fhir.errors import FhirError
    from benhan.fhir.rest.auth import authenticate, repository_for
    from benhan.fhir.rest.render import CONTENT_TYPE, dumps, error_response

    from .pdqm import search_persons
    from .record_view import hub

    params = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    try:
        actor = authenticate(request)
        repo = repository_for(request, actor)
        try:
            repo.policy.check_type(actor, "Patient", READ)
            repo.policy.check_tenant(actor, hub(), "the provincial patient index")
        except FhirError:
            repo.audit_event("search", outcome="4", resource_type="Patient", query=f"PDQm {request.META.get('QUERY_STRING', '')}")
            raise
        bundle = search_persons(params, base_url=request.build_absolute_uri("/exchange/mpi/fhir").rstrip("/"))
        repo.audit_event("search", resource_type="Patient", query=f"PDQm {request.META.get('QUERY_STRING', '')}")
    except FhirError as exc:
        return error_response(exc)
    return HttpResponse(dumps(bundle), content_type=CONTENT_TYPE)
