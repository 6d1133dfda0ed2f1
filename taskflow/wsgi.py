"""WSGI entry point (gunicorn taskflow.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskflow.settings")
application = get_wsgi_application()
