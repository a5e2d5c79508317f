from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "benhan.portal"
    label = "portal"
