from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "benhan.clinical"
    label = "clinical"
