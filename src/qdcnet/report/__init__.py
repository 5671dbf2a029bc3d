"""Reports: rich tables for people, JSON documents (with provenance) for machines."""

from qdcnet.report.output import (
    check_output_file,
    check_output_folder,
    result_document,
    scenario_hash,
    write_json,
)

__all__ = [
    "check_output_file",
    "check_output_folder",
    "result_document",
    "scenario_hash",
    "write_json",
]
