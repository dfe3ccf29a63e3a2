"""The lab definitions, one module per lab, each exposing ``SPEC`` (a :class:`LabSpec`)."""
