"""Feedback (phản ánh – góp ý): category, rating 1–5, text, optionally anonymous (then nothing links it to the
person); staff triage, respond, close; response-time figures for the dashboards in figures.py."""
