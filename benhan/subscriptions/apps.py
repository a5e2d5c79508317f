from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "benhan.subscriptions"
    label = "subscriptions"

    def ready(self) -> None:
        from benhan.exchange.outbox import register_transport
        from benhan.fhir.store import add_write_listener

        from . import activation  # noqa: F401  (registers the activation job)
        from .delivery import send_notifications
        from .matching import on_write

        # After the search indexer (an earlier app): matching searches the rows it has just written.
        add_write_listener(on_write)
        register_transport("sub", send_notifications)
