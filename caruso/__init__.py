"""Caruso: a call-center communication server with a dialog-script engine."""

__version__ = "0.1.0"
