"""The sandbox's tests share the pipeline tests' sandbox fixture (one server per session)."""

from macro_assets_tests.conftest import sandbox

__all__ = ["sandbox"]
