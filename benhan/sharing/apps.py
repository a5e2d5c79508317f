from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "benhan.sharing"
    label = "sharing"
