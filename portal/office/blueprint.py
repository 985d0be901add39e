"""The back office blueprint: desk and tablet screens for village, township and county staff
and department officers. Route modules register on ``bp``; ``portal.office`` imports them."""
from flask import Blueprint

bp = Blueprint("office", __name__)
