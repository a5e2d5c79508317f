from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "benhan.booking"
    label = "booking"
    verbose_name = _("Đặt lịch khám")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register

        from . import tasks  # noqa: F401  (registers the reminder job handler)

        register(NavItem("booking:day", _("Lịch hẹn"), roles=("receptionist", "nurse", "doctor"), order=13))
        register(NavItem("booking:templates", _("Lịch khám"), roles=("facility_admin",), order=13))
