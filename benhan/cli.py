"""The `benhan` operator command: a thin front to the Django management commands.

`benhan serve|migrate|import|client|demo|check|reindex|ca|...` maps to the management command of the
same purpose, so each capability keeps its command beside its code.
"""

from __future__ import annotations

import os
import sys

# Operator verbs whose Django command has another name (Django's own `check` and `import` clash).
ALIASES = {"import": "fhir_import", "check": "benhan_check", "client": "oauth_client"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    if "--database-url" in argv:
        i = argv.index("--database-url")
        os.environ["BENHAN_DATABASE_URL"] = argv[i + 1]
        del argv[i : i + 2]
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        print("Commands: serve, migrate, import PATH..., client create, demo, check, reindex, ca, worker")
        return
    argv[0] = ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["benhan", *argv])


if __name__ == "__main__":
    main()
