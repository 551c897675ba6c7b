"""Talking to BEA's Data API: the client, the answer envelope, errors and the release calendar."""
