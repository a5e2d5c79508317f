"""Ask the doctor: a patient's question (with photos) to a facility or one of its doctors, triaged by staff in a
queue with a response-time target; every message is a FHIR Communication in the patient's record, photos are
Binary resources; video consultations get a signed join link from a configurable provider (video.py).
See docs/decisions/0015-questions-feedback-appengage.md."""
