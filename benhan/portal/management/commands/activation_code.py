"""Print a new activation code for a patient's registration slip (until reception has a button for it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benhan.fhir.access import Actor
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.portal.linking import ACTIVATION_TTL, issue_activation_code


class Command(BaseCommand):
    help = "Issue a single-use activation code linking one Patient record to the patient app."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("facility", help="the facility code the record belongs to")
        parser.add_argument("patient_id", help="the FHIR Patient id")

    def handle(self, *args: Any, **options: Any) -> None:
        # Limited to the named facility: a code can only be issued for that facility's own record.
        actor = Actor.system("portal-activation")
        repo = Repository(Actor(actor.kind, actor.id, actor.display, actor.scopes, frozenset({options["facility"]})),
                          options["facility"])
        try:
            code = issue_activation_code(repo, options["patient_id"])
        except FhirError as exc:
            raise CommandError(f"cannot issue a code for this record: {exc}") from exc
        self.stdout.write(f"{code}  (single use, valid {ACTIVATION_TTL.days} days)")
