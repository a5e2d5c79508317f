from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "benhan.jobs"
    label = "jobs"
