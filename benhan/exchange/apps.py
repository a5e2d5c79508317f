from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "benhan.exchange"
    label = "exchange"

    def ready(self) -> None:
        from benhan.fhir.store import add_write_listener

        from . import record_view, referral  # noqa: F401  (register their message handlers and answerers)
        from .reporting import report_patients

        add_write_listener(report_patients)
