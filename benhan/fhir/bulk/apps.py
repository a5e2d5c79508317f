from django.apps import AppConfig


class FhirBulkConfig(AppConfig):
    name = "benhan.fhir.bulk"
    label = "fhir_bulk"

    def ready(self) -> None:
        from ..store import add_write_listener
        from .compartment_index import record_writes

        # Compartment membership is written in the same transaction as the resource it describes.
        add_write_listener(record_writes)
