"""The live page (``GET /``): one HTML file with its script, no build step, no CDN.

It draws the topology from ``/v1/datacenter``, colours each link by the
fidelity of the pairs delivered over it and widens it by the channels in
use, lists the caller's requests and jobs with their status, QoS and
progress, and draws a job's Gantt chart (``/v1/jobs/{id}/gantt``); all of it
follows the event stream (``/v1/events?telemetry=1``), read with ``fetch``
so that the token travels in a header, never in a URL. The token comes from
the address's fragment (``/#token=...``, which the browser never sends) or
a form, and is kept for the tab's session only.
"""

from __future__ import annotations

from pathlib import Path

PAGE = (Path(__file__).parent / "page.html").read_text(encoding="utf-8")
