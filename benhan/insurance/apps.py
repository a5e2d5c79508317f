from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "benhan.insurance"
    label = "insurance"
    verbose_name = _("Thanh toán BHYT")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register

        register(NavItem("bhyt:claims", _("Hồ sơ BHYT"), roles=("insurance",), accesskey="y", order=60))
