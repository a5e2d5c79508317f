from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "benhan.facilities"
    label = "facilities"
