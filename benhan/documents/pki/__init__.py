"""Keys and certificates: the facility CA, user certificates, PKCS#12 import, trust anchors."""
