from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "benhan.notifications"
    label = "notifications"

    def ready(self) -> None:
        from benhan.core.events import patient_event

        from .outbox import on_patient_event

        patient_event.connect(on_patient_event, dispatch_uid="notifications.on_patient_event")
