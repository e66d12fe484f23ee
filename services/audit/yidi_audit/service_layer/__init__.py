"""Audit's use cases: each loads through the repository, decides with the domain, saves and emits."""
