#!/usr/bin/env bash
# Fetch and unpack the official FHIR R4 definitions (npm package hl7.fhir.r4.examples@4.0.1, CC0)
# into build/fhir-r4/package, which the generators in scripts/ read.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/fhir-r4
if [ ! -f build/fhir-r4/package/package.json ]; then
  (cd build && npm pack --silent hl7.fhir.r4.examples@4.0.1 >/dev/null)
  tar xzf build/hl7.fhir.r4.examples-4.0.1.tgz -C build/fhir-r4
fi
echo build/fhir-r4/package
