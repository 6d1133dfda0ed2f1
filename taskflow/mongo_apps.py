"""AppConfigs for Django's contrib apps on MongoDB (ObjectId primary keys).

Only referenced from INSTALLED_APPS when DATABASE_URL is a mongodb:// URL; see
``taskflow.backends``.
"""

from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig

from taskflow.backends import MONGO_AUTO_FIELD


class MongoAdminConfig(AdminConfig):
    default_auto_field = MONGO_AUTO_FIELD


class MongoAuthConfig(AuthConfig):
    default_auto_field = MONGO_AUTO_FIELD


class MongoContentTypesConfig(ContentTypesConfig):
    default_auto_field = MONGO_AUTO_FIELD
