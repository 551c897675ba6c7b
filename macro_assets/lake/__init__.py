"""The lake, Dagster-free: where each layer keeps a release (``layout``), the stores behind it
(``stores``: a folder or S3, every write atomic), what a capture lands (``landing``) and the
codecs every layer writes with (``codecs``). The assets in ``macro_assets.assets`` call these."""
