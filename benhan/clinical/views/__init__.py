"""Clinician pages: each view reads the form, calls one workflow function, and renders or redirects."""
