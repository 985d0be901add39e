"""WSGI entry point: ``gunicorn wsgi:app``."""
import gc

from shoudi import create_app

app = create_app()

# What the application builds at start (routes, models, schemas, templates: some 200,000
# objects) lives as long as the process. Frozen, it is left out of the collector's full passes,
# which otherwise walk all of it every few requests (over 100 ms each on a 2-core machine: the
# slowest requests of every list). Objects made by requests are collected as before.
gc.freeze()
