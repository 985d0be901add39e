"""JSON API under /api/v1, for the grid workers' WeChat mini program and H5 app, and for farmers.

Layout: ``v1`` (the blueprint), ``registry`` (the route table), ``routes_*`` (the endpoints),
``schemas``/``fields`` (marshmallow), ``auth``, ``errors``, ``adapters`` (read shapes),
``openapi``/``docs`` (the OpenAPI document and the page at /api/v1/docs).
"""
from api.v1 import bp

__all__ = ["bp"]
