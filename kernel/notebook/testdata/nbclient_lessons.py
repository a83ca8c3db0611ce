"""Execute notebooks end to end with nbclient on the notmagic kernel (quick mode comes from the environment).

Usage: python3 nbclient_lessons.py KERNEL_NAME NOTEBOOK.ipynb ...
Prints a JSON list with, for each notebook, its path, the number of code cells executed, the number of
image outputs, the first error (ename, evalue) or null, the seconds the run took, the three slowest cells
(index and seconds), and how many times nbclient gave up waiting for a cell's output on iopub.
"""
import json
import logging
import sys
import time
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


class Client(NotebookClient):
    """nbclient's NotebookClient with its wait for execute replies made robust to nbclient issue 312
    (https://github.com/jupyter/nbclient/issues/312, open; ipykernel is hit too): while a cell that shows
    an Output widget runs (widgets.Interact does), nbclient's stand-in for that widget sends comm
    messages on the shell socket that the client is polling for the execute reply. When the reply
    arrives during such a send, pyzmq's asyncio poll misses it and finds it only when the cell's whole
    timeout (120 s here) has passed. Polling in half-second slices, each of which ends with a fresh
    look at the socket, bounds that delay to half a second; the overall timeout is unchanged."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        get_msg = kc.shell_channel.get_msg

        async def sliced(timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = 0.5 if deadline is None else min(0.5, max(0.0, deadline - time.monotonic()))
                try:
                    return await get_msg(timeout=left)
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

        kc.shell_channel.get_msg = sliced
        return kc


class IOPubWaits(logging.Handler):
    """Counts nbclient's "Timeout waiting for IOPub output" warnings: each one is a cell whose idle status
    did not arrive within iopub_timeout (4 s) of its execute_reply."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        if "Timeout waiting for IOPub" in record.getMessage():
            self.count += 1


def main():
    name, paths = sys.argv[1], sys.argv[2:]
    results = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kernelspec"] = {"name": name, "display_name": "Go", "language": "go"}
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        client = Client(nb, kernel_name=name, timeout=120, startup_timeout=60)
        cells, started = [], {}
        client.on_cell_start = lambda cell, cell_index: started.__setitem__(cell_index, time.monotonic())
        client.on_cell_executed = lambda cell, cell_index, execute_reply: cells.append(
            (round(time.monotonic() - started.get(cell_index, time.monotonic()), 3), cell_index))
        waits = IOPubWaits()
        client.log.addHandler(waits)
        error = None
        begin = time.monotonic()
        try:
            client.execute()
        except CellExecutionError as e:
            error = {"ename": getattr(e, "ename", "CellExecutionError"), "evalue": str(e)[-2000:]}
        except (CellTimeoutError, DeadKernelError) as e:
            error = {"ename": type(e).__name__, "evalue": str(e)[-2000:]}
        code = [c for c in nb.cells if c.cell_type == "code"]
        images = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        executed = sum(1 for c in code if c.get("execution_count"))
        client.log.removeHandler(waits)
        results.append({"path": path, "code_cells": len(code), "executed": executed, "images": images, "error": error,
                        "seconds": round(time.monotonic() - begin, 3), "slowest": sorted(cells, reverse=True)[:3],
                        "iopub_timeouts": waits.count})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
