"""A stand-in for BEA's Data API on 127.0.0.1.

It is an independent model of how BEA answers: it imports nothing from the pipeline's
client, parser or transforms (a test guards this), so it cannot share their bugs.
"""
