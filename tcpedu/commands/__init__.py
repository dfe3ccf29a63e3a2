"""Subcommands of the ``tcpedu`` command, one module each (see :mod:`tcpedu.cli`)."""
