"""`benhan client create --name N --scope S [--facility CODE]...`: register an OAuth2 client.

System clients (client credentials) by default; `--grant authorization-code --redirect-uri URI` registers
an app that patients authorize (SMART standalone launch), `--public` for one that keeps no secret.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benhan.accounts.clients import NewClient, create_client, create_patient_app


class Command(BaseCommand):
    help = "Create an OAuth2 client for the FHIR API and print its id and secret."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register a new client")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", action="append", required=True,
                            help="SMART scope(s), e.g. 'system/*.read system/Patient.write'; repeatable")
        create.add_argument("--facility", action="append", default=None,
                            help="facility code the client acts for; repeatable; omit for every facility")
        create.add_argument("--grant", choices=["client-credentials", "authorization-code"], default="client-credentials",
                            help="authorization-code: an app patients authorize (SMART standalone launch)")
        create.add_argument("--redirect-uri", action="append", default=[],
                            help="exact redirect URI of an authorization-code app; repeatable")
        create.add_argument("--public", action="store_true",
                            help="an authorization-code app that cannot keep a secret (mini app, phone app)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "create":
            raise CommandError(f"unknown action {options['action']}")
        code_flow = options["grant"] == "authorization-code"
        if not code_flow and (options["redirect_uri"] or options["public"]):
            raise CommandError("--redirect-uri and --public go with --grant authorization-code")
        try:
            client: NewClient = (
                create_patient_app(options["name"], options["scope"], options["redirect_uri"], confidential=not options["public"])
                if code_flow else create_client(options["name"], options["scope"], options["facility"])
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id: {client.client_id}\n")
        if client.client_secret:
            self.stdout.write(f"client_secret: {client.client_secret}\n")
        self.stdout.write(f"scope: {client.profile.allowed_scopes}\n")
        if code_flow:
            self.stdout.write(f"redirect_uris: {client.profile.application.redirect_uris}\n")
            self.stdout.write(f"type: {'public' if options['public'] else 'confidential'}\n")
            return
        facilities = client.profile.facilities()
        self.stdout.write(f"facilities: {'all' if facilities is None else ' '.join(sorted(facilities))}\n")
