"""Reports: rich tables for people, JSON documents (with provenance) for machines."""

from qdcnet.report.output import result_document, write_json

__all__ = ["result_document", "write_json"]
