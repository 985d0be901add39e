"""WSGI entry point: ``gunicorn wsgi:app``."""
from shoudi import create_app

app = create_app()
