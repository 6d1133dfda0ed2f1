"""Settings for generating and checking the MongoDB migrations without a server.

``makemigrations`` connects to the database for its consistency check, and pymongo
cannot connect where no MongoDB server exists. These settings keep everything the
Mongo path changes (contrib AppConfigs, ObjectIdAutoField, MIGRATION_MODULES) but
point the database at Django's dummy backend, which makemigrations tolerates.
Use only for ``makemigrations`` (``make migrations-check``), never to serve.
"""

from taskflow import backends
from taskflow.settings import *  # noqa: F403
from taskflow.settings import INSTALLED_APPS

USING_MONGO = True
INSTALLED_APPS = backends.installed_apps(INSTALLED_APPS, mongo=True)
DEFAULT_AUTO_FIELD = backends.default_auto_field(mongo=True)
MIGRATION_MODULES = backends.migration_modules(mongo=True)
DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
ALLAUTH_DEFAULT_AUTO_FIELD = backends.MONGO_AUTO_FIELD
