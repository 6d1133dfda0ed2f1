"""TaskFlow's database engine for PostgreSQL (``ENGINE = "taskflow.postgresql"``):
Django's, with the health check of a connection in steady use made local (``base``)."""
