"""qdcnet: design, simulate and orchestrate quantum data centers.

The package is organised in layers that only import downwards (see
``docs/architecture.md``): ``units`` and ``sim`` at the bottom, then
``quantum`` (pair states and noise), and the physical, network and control
layers above them.
"""

from qdcnet._version import __version__

__all__ = ["__version__"]
