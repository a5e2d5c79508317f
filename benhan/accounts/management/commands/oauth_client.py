"""`benhan client create --name N --scope S [--facility CODE]...`: register an OAuth2 system client."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benhan.accounts.clients import create_client


class Command(BaseCommand):
    help = "Create an OAuth2 client-credentials client for the FHIR API and print its id and secret."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register a new client")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", action="append", required=True,
                            help="SMART scope(s), e.g. 'system/*.read system/Patient.write'; repeatable")
        create.add_argument("--facility", action="append", default=None,
                            help="facility code the client acts for; repeatable; omit for every facility")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "create":
            raise CommandError(f"unknown action {options['action']}")
        try:
            client = create_client(options["name"], options["scope"], options["facility"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id: {client.client_id}\n")
        self.stdout.write(f"client_secret: {client.client_secret}\n")
        self.stdout.write(f"scope: {client.profile.allowed_scopes}\n")
        facilities = client.profile.facilities()
        self.stdout.write(f"facilities: {'all' if facilities is None else ' '.join(sorted(facilities))}\n")
