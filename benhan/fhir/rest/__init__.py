"""The FHIR R4 REST API at /fhir.

views.py turns an HTTP request into a FhirRequest (routing, negotiation, auth), interactions.py does
the work through the per-request Repository and returns a FhirResult, render.py writes the bytes.
Batch and transaction Bundles (benhan.fhir.bundles) run each entry through the same interactions.
"""
