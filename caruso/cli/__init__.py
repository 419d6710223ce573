"""The ``caruso`` command line."""
