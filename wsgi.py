"""WSGI entry point: `gunicorn wsgi:app`, and where `flask` finds the app from the repo root."""

from survey import create_app

app = create_app()
