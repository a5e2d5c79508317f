from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "benhan.insurance"
    label = "insurance"
    verbose_name = _("Thanh toán BHYT")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register
        from benhan.facilities.demo import register_step

        from .demo import load_insurance_desk

        register(NavItem("bhyt:claims", _("Hồ sơ BHYT"), roles=("insurance",), accesskey="y", order=60))
        register_step("insurance-desk", load_insurance_desk, after="signing-keys")
