from django.apps import AppConfig


class FhirBulkConfig(AppConfig):
    name = "benhan.fhir.bulk"
    label = "fhir_bulk"
