from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "benhan.documents"
    label = "documents"
