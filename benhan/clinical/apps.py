from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "benhan.clinical"
    label = "clinical"

    def ready(self) -> None:
        from benhan.fhir.store import add_write_listener

        from .index import on_write

        add_write_listener(on_write)
