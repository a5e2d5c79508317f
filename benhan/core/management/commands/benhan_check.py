"""`benhan check`: is this installation fit to serve? Exit status 1 when anything fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benhan.core import health


class Command(BaseCommand):
    help = ("Check configuration and database health: database reachable and its version, migrations applied, "
            "secret key, DEBUG, FHIR definition tables, free disk space in var/.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strict", action="store_true", help="treat warnings as failures")

    def handle(self, *args: Any, **options: Any) -> None:
        findings = health.all_checks()
        style = {health.OK: self.style.SUCCESS, health.WARN: self.style.WARNING, health.FAIL: self.style.ERROR}
        width = max(len(f.check) for f in findings)
        for f in findings:
            self.stdout.write(f"{style[f.status](f.status.upper().ljust(4))}  {f.check.ljust(width)}  {f.message}")
        failed = [f for f in findings if f.status == health.FAIL or (options["strict"] and f.status == health.WARN)]
        if failed:
            raise CommandError(f"{len(failed)} problem(s): " + ", ".join(f.check for f in failed))
        self.stdout.write(self.style.SUCCESS("benhan is ready to serve"))
