"""`benhan catalog_import KIND FILE`: import a catalog from xlsx/CSV (e.g. the Ministry's full ICD-10).

Prints the same report as the import page; stores nothing with --dry-run or when no row is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benhan.vn import catalog_import


class Command(BaseCommand):
    help = "Nhập danh mục (icd10, drug, service, labtest) từ tệp .xlsx hoặc .csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(catalog_import.specs()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không lưu")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {path}")
        result = catalog_import.preview(options["kind"], path.name, path.read_bytes())
        if result.file_error:
            raise CommandError(result.file_error)
        for rejection in result.rejected:
            self.stdout.write(f"Dòng {rejection.row}: {rejection.reason}")
        self.stdout.write(f"Hợp lệ: {len(result.accepted)} (mới {result.new_codes}, cập nhật {result.updated_codes}); "
                          f"bị loại: {len(result.rejected)}.")
        if options["dry_run"]:
            self.stdout.write("Chạy thử: không lưu gì.")
            return
        self.stdout.write(f"Đã lưu {catalog_import.apply(result)} dòng.")
