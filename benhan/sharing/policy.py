"""The share viewer's access: a Repository whose actor may read exactly the resources pinned in the
link, nothing else — not the rest of the person's record, not a search, not a write.

The pinned set was read by the patient's own repository when the link was made (so every item was
already checked to be in the person's record). The actor has no patient compartment open
(`patient_ids` empty), so any search it could attempt matches nothing; each read is checked against
the pinned references by the policy and audited by the repository like any other read."""

from __future__ import annotations

from typing import Any

from benhan.fhir.access import READ, AccessPolicy, Actor, parse_scopes
from benhan.fhir.errors import forbidden
from benhan.fhir.repository import Repository

from .models import ShareLink

SHARE_SCOPES = ("patient/*.read",)


class SharePolicy(AccessPolicy):
    def check_type(self, actor: Actor, resource_type: str, action: str) -> None:
        if action != READ:
            raise forbidden("a share link only reads")
        super().check_type(actor, resource_type, action)

    def check_compartment(self, actor: Actor, resource_type: str, resource: dict[str, Any], reference: str) -> None:
        if reference not in actor.extra.get("readable", frozenset()):
            raise forbidden(f"{reference} is not part of what was shared")


SHARE_POLICY = SharePolicy()


def share_actor(link: ShareLink) -> Actor:
    return Actor("share", f"share:{link.pk}", display=f"Liên kết chia sẻ #{link.pk}{' · ' + link.label if link.label else ''}",
                 scopes=parse_scopes(SHARE_SCOPES), facilities=None, patient_ids=frozenset(),
                 extra={"readable": frozenset(link.readable)})


def share_repository(link: ShareLink, source_ip: str = "") -> Repository:
    # Purpose TREAT: a clinician elsewhere reads what the patient chose to show them.
    return Repository(share_actor(link), "", policy=SHARE_POLICY, source_ip=source_ip, purpose="TREAT")
