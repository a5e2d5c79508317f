from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "benhan.documents"
    label = "documents"

    def ready(self) -> None:
        from ..fhir import store
        from .guard import refuse_changes_to_signed_bytes

        store.add_write_listener(refuse_changes_to_signed_bytes)
