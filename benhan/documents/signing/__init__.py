"""Signing: who holds the key (local file or remote CA), PAdES on PDFs, detached JWS on FHIR content."""
