from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "benhan.documents"
    label = "documents"

    def ready(self) -> None:
        from ..facilities.demo import register_step
        from ..fhir import store
        from .demo import load_signing_keys
        from .guard import refuse_changes_to_signed_bytes

        store.add_write_listener(refuse_changes_to_signed_bytes)
        register_step("signing-keys", load_signing_keys, after="staff")
