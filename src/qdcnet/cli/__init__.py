"""The ``qdcnet`` command line. Subcommands import their work lazily so ``--help`` is instant."""
