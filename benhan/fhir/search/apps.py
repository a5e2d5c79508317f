from django.apps import AppConfig


class FhirSearchConfig(AppConfig):
    name = "benhan.fhir.search"
    label = "fhir_search"

    def ready(self) -> None:
        from benhan.fhir import store

        from .indexer import index_writes

        store.add_write_listener(index_writes)
