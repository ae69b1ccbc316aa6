"""The ASGI application for servers such as uvicorn: `uvicorn opendialer.asgi:app`."""

from opendialer.app import create_app

app = create_app()
