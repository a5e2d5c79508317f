"""SMART App Launch for patients (standalone launch, authorization code + PKCE) and the patient app's
login through a configured OpenID Connect provider (the national e-ID)."""
