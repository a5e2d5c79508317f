from django.apps import AppConfig


class VnConfig(AppConfig):
    name = "benhan.vn"
    label = "vn"
