"""The Vietnamese paper forms as PDF: Django templates rendered by WeasyPrint, contexts built from FHIR."""
