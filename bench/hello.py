"""The bare Flask app every page is measured against, served by the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The least a Flask request can cost."""
    return "Hello, World!"
