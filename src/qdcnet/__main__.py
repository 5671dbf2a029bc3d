"""``python -m qdcnet``: the same as the ``qdcnet`` command."""

from qdcnet.cli.main import main_entry

if __name__ == "__main__":
    main_entry()
