from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "benhan.fhir"
    label = "fhir"
