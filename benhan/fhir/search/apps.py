from django.apps import AppConfig


class FhirSearchConfig(AppConfig):
    name = "benhan.fhir.search"
    label = "fhir_search"
