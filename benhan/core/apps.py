from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "benhan.core"
    label = "core"
