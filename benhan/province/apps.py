from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProvinceConfig(AppConfig):
    name = "benhan.province"
    label = "province"
    verbose_name = _("Tổng hợp cấp tỉnh / Bộ Y tế")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register
        from benhan.facilities.demo import register_step

        from . import receiving, reporting  # noqa: F401  (register the exchange handler and the job)
        from .demo import load_self_assessments

        register(NavItem("province:dashboard", _("Tổng hợp toàn tỉnh"), roles=("province",), order=71))
        register(NavItem("province:assessment", _("Tự đánh giá BAĐT"), roles=("facility_admin",), order=72))
        register_step("emr-self-assessment", load_self_assessments, after="directory")
        # Every deployment (migrate) books the periodic report if a hub is configured: the job then
        # books its own next run, so the schedule survives restarts without a separate scheduler.
        post_migrate.connect(reporting.schedule_after_migrate, sender=self)
