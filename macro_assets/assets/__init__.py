"""Software-defined assets by layer: bea_raw → bronze → silver → gold → postgres_tables."""
