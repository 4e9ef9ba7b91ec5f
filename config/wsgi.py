"""The WSGI application (gunicorn's, and Django's development server's).

Once the application and its URLconf (every view module, form and table spec) are loaded, those objects live as long
as the process: ``gc.freeze()`` moves them out of the garbage collector's generations, so that its collections stop
walking them again and again. bench/page_profile.py's search terms page: the collector's time per request halved
(1.31 -> 0.64 ms) and its full collections shrank from ~110 ms, which every ~150th request of a worker waited for, to
under 10 ms.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view module now, not on the first request
gc.collect()
gc.freeze()
