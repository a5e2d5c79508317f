"""`benhan demo`: load the demo province (idempotent) and print the demo accounts."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from benhan.facilities import demo
from benhan.facilities.demo.province import FACILITIES


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: một tỉnh với 4 cơ sở, nhân viên, danh mục và khoảng 200 người bệnh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=200, help="Số người bệnh mẫu (mặc định 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        ctx = demo.run(self.stdout.write, patients=options["patients"])
        created = ", ".join(f"{k}: {v}" for k, v in ctx.created.items()) or "không có gì mới (đã nạp trước đó)"
        self.stdout.write(f"Xong trong {time.monotonic() - started:.1f} giây. Mới tạo: {created}.")
        names = {f.code: f.name for f in FACILITIES}
        self.stdout.write("")
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {ctx.password}):")
        for user in ctx.staff:
            where = names.get(user.facility.code, "") if user.facility else "Sở Y tế"
            note = " (đăng ký xác thực hai lớp khi đăng nhập lần đầu)" if user.role in ("doctor", "facility_admin") else ""
            self.stdout.write(f"  {user.username:<10} {user.get_role_display():<32} {where}{note}")
