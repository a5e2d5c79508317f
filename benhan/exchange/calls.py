"""Signed questions between nodes that need an answer now (where are this person's records? send me
the records): unlike outbox messages they are not queued, because a clinician waits for the answer.

Both directions are signed with the same JWS as messages: the question with the asker's key, the
answer with the answerer's key, each checked against the directory. A facility hosted on this server
is asked in-process through the same seal/open path, so both topologies run the same checks.
Questions are reads: they are not recorded in the inbox, but a question older or newer than
`FRESHNESS` is refused so a captured one cannot be replayed later.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from django.conf import settings

from .messages import Message, MessageRefused, now_iso, open_sealed, seal
from .models import Node

FRESHNESS = timedelta(minutes=10)
Answerer = Callable[[Message], dict[str, Any]]
_answerers: dict[str, Answerer] = {}


class CallRefused(Exception):
    """The other node refused to answer (no consent, no such record...); the text is for the clinician."""


class CallFailed(Exception):
    """The other node could not be reached or its answer does not verify."""


def answerer(kind: str) -> Callable[[Answerer], Answerer]:
    def register(fn: Answerer) -> Answerer:
        _answerers[kind] = fn
        return fn

    return register


def _fresh(created: str) -> bool:
    try:
        at = datetime.fromisoformat(created)
    except ValueError:
        return False
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return abs(datetime.now(UTC) - at) <= FRESHNESS


def answer(token: str, *, hosted: set[str]) -> str:
    """At the answering node: verify the question, answer it, and seal the answer (refusals too)."""
    question = open_sealed(token, accept_for=hosted)  # MessageRefused propagates: the caller answers 403
    if not _fresh(question.created):
        raise MessageRefused("the question is not fresh (replayed, or the clocks differ by over 10 minutes)")
    respond = _answerers.get(question.kind)
    if respond is None:
        raise MessageRefused(f"unknown question {question.kind!r}")
    try:
        body: dict[str, Any] = {"ok": True, "result": respond(question)}
    except CallRefused as exc:
        body = {"ok": False, "refused": str(exc)}
    return seal(Message(str(uuid.uuid4()), question.destination, question.sender, question.kind + ".answer",
                        {**body, "in_reply_to": question.id}, now_iso()))


def ask(sender: str, destination: str, kind: str, body: dict[str, Any], *,
        client: httpx.Client | None = None) -> dict[str, Any]:
    """Ask `destination` and return its verified answer; CallRefused or CallFailed otherwise."""
    return ask_signed(sender, destination, kind, body, client=client)[0]


def verify_answer(token: str, *, signer: str, addressed_to: str, kind: str) -> dict[str, Any]:
    """A signed answer passed on by a third party (the hub's cross-reference, shown to a holding node)."""
    try:
        opened = open_sealed(token, accept_for={addressed_to})
    except MessageRefused as exc:
        raise CallRefused(f"the {kind} answer does not verify: {exc}") from exc
    if opened.sender != signer or opened.kind != kind + ".answer" or not opened.body.get("ok"):
        raise CallRefused(f"not a {kind} answer from {signer}")
    if not _fresh(opened.created):
        raise CallRefused(f"the {kind} answer is not fresh")
    result: dict[str, Any] = opened.body.get("result") or {}
    return result


def ask_signed(sender: str, destination: str, kind: str, body: dict[str, Any], *,
               client: httpx.Client | None = None) -> tuple[dict[str, Any], str]:
    """The verified answer and the signed answer itself (to show a third party what was answered)."""
    from .outbox import hosted_codes

    node = Node.objects.filter(code=destination, active=True).first()
    if node is None:
        raise CallFailed(f"{destination} is not in the directory")
    question = Message(str(uuid.uuid4()), sender, destination, kind, body, now_iso())
    token = seal(question)
    try:
        if not node.base_url:
            reply = answer(token, hosted=hosted_codes())
        else:
            own = client or httpx.Client(timeout=float(getattr(settings, "BENHAN_EXCHANGE_TIMEOUT", 20.0)))
            try:
                response = own.post(node.base_url.rstrip("/") + "/exchange/call", json={"question": token})
            finally:
                if client is None:
                    own.close()
            if response.status_code != 200:
                raise CallFailed(f"{destination} answered HTTP {response.status_code}: {response.text[:300]}")
            reply = str(response.json().get("answer", ""))
        opened = open_sealed(reply, accept_for={sender})
    except MessageRefused as exc:
        raise CallFailed(f"{destination}: {exc}") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise CallFailed(f"{destination} unreachable: {exc}") from exc
    if opened.sender != destination or opened.body.get("in_reply_to") != question.id:
        raise CallFailed(f"the answer from {opened.sender} is not the answer to this question")
    if not opened.body.get("ok"):
        raise CallRefused(str(opened.body.get("refused", "")))
    result: dict[str, Any] = opened.body.get("result") or {}
    return result, reply
