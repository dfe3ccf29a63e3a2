"""The course notebooks' "try it" questions, one module per notebook (``SPEC``), judged by the
same engine as the labs. A notebook binds them with ``start("NN-title", namespace=globals())``."""
