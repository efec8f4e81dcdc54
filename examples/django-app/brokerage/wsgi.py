"""WSGI entry point. The engine is built lazily from the journal on first use."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brokerage.settings")
application = get_wsgi_application()
