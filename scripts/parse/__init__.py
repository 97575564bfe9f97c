"""Parse: CI outputs (JUnit, Cobertura, Trivy, ruff, the PR's diff, our own Dockerfile and pins) into
the model. Pure: bytes in, dataclasses out, every limit checked; no network, no markdown.
"""
