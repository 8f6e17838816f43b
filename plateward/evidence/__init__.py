"""Evidence exports (policy B): a case's reads, their images annotated with the report number,
a manifest of SHA-256 digests and a chain-of-custody record, in one ZIP that can be verified."""
