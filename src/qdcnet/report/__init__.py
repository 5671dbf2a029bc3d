"""Reports: rich tables for people, JSON documents (with provenance) for machines."""

from qdcnet.report.output import (
    MARKER,
    OUTPUT_ROOT,
    RESULT_FILE,
    TIMINGS_FILE,
    OutputFolder,
    check_output_file,
    check_output_folder,
    machine_output,
    machine_output_enabled,
    report_written,
    result_document,
    scenario_hash,
    write_json,
)

__all__ = [
    "MARKER",
    "OUTPUT_ROOT",
    "RESULT_FILE",
    "TIMINGS_FILE",
    "OutputFolder",
    "check_output_file",
    "check_output_folder",
    "machine_output",
    "machine_output_enabled",
    "report_written",
    "result_document",
    "scenario_hash",
    "write_json",
]
