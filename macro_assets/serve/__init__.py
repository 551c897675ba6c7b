"""The analysts' HTTP read API (``mdi serve``)."""
