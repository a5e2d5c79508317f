from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicalConfig(AppConfig):
    name = "benhan.clinical"
    label = "clinical"

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register
        from benhan.documents.pending import filed
        from benhan.facilities.demo import register_step
        from benhan.facilities.demo import steps as _built_in_steps  # noqa: F401  (so "after" finds "patients")
        from benhan.fhir import holds
        from benhan.fhir.store import add_write_listener

        from .demo import load_clinical_workflows
        from .index import on_write
        from .release import on_filed, patient_holds

        add_write_listener(on_write)
        holds.register(patient_holds)
        filed.connect(lambda sender, pending, document, **_kw: on_filed(pending, document),
                      dispatch_uid="clinical-release-on-filed", weak=False)
        register_step("clinical-workflows", load_clinical_workflows, after="patients")
        register(NavItem("clinical:home", _("Khám bệnh"), roles=("doctor", "nurse", "receptionist"), accesskey="k", order=10))
        register(NavItem("clinical:register", _("Tiếp đón"), roles=("receptionist", "nurse", "doctor"), accesskey="t",
                         order=12))
        register(NavItem("clinical:search", _("Tìm người bệnh"), accesskey="b", order=14))
        register(NavItem("clinical:worklist", _("Cận lâm sàng"), roles=("technician", "doctor"), accesskey="l", order=16))
