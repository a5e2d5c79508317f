from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "benhan.insurance"
    label = "insurance"
