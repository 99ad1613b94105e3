"""Closer Together's runtime: the Alexa skill, its web service and its command line."""

__version__ = "0.1.0"
