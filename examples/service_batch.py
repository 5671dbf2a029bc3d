"""Submit a batch of jobs to a running ``qdcnet serve`` and wait for them.

Start the service in one terminal, with a token of your choosing::

    QDCNET_TOKEN=a-token-of-16-chars-or-more qdcnet serve examples/two_racks.yaml \
        --no-workload --free

then run this in another, with the same token in the environment::

    QDCNET_TOKEN=a-token-of-16-chars-or-more python examples/service_batch.py

Each job is a GHZ state over 2 to 8 qubits with its own client key, so
running the script again (or after the service restarts) returns the same
submissions instead of adding new ones. The table shows what admission
predicted against what the data center measured.
"""

from __future__ import annotations

import argparse

from qdcnet.client import Client


def ghz(n: int) -> str:
    lines = ['OPENQASM 2.0;', 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];",
             "h q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    lines.append("measure q -> c;")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=None, help="the tenant's token (default "
                        "$QDCNET_TOKEN)")
    parser.add_argument("--shots", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=300.0, help="wall seconds")
    args = parser.parse_args()
    with Client(args.url, token=args.token) as client:
        print(f"data center {client.datacenter()['name']}, clock {client.clock()['mode']}")
        jobs = [client.job(ghz(n), shots=args.shots, name=f"ghz{n}",
                           client_key=f"service-batch:ghz{n}:{args.shots}")
                for n in (2, 4, 6, 8)]
        for job in jobs:
            print(f"  job {job.id} {job.name}: {job.status} {job.reason}")
        done = client.wait(jobs, timeout=args.timeout)
    print(f"{'job':<6} {'status':<10} {'predicted makespan':>19} {'measured':>10} "
          f"{'fidelity':>9}")
    for job in done:
        result = job.result or {}
        plan = job.plan or {}
        measured = (result.get("measured_makespan_s") or {}).get("mean")
        fidelity = (result.get("fidelity") or {}).get("state_fidelity")
        print(f"{job.name:<6} {job.status:<10} "
              f"{_ms(plan.get('predicted_makespan_s')):>19} {_ms(measured):>10} "
              f"{'-' if fidelity is None else f'{fidelity:.3f}':>9}")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f} ms"


if __name__ == "__main__":
    main()
