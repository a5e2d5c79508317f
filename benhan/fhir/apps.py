from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "benhan.fhir"
    label = "fhir"

    def ready(self) -> None:
        from .rest.token_cache import connect_signals

        connect_signals()
