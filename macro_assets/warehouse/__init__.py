"""The PostgreSQL warehouse: schema ``bea``, loaded by COPY and one upsert per partition."""
