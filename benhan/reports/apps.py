from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "benhan.reports"
    label = "reports"

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register

        register(NavItem("reports:dashboard", _("Báo cáo"), roles=("facility_admin", "quality", "province"),
                         accesskey="r", order=70))
