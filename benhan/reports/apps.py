from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "benhan.reports"
    label = "reports"
