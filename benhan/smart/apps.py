from django.apps import AppConfig


class SmartConfig(AppConfig):
    name = "benhan.smart"
    label = "smart"
