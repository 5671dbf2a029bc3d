"""``python -m qdcnet``: the same as the ``qdcnet`` command."""

from qdcnet.cli.main import run

if __name__ == "__main__":
    run()
