"""Execute notebooks end to end with nbclient on the notmagic kernel (quick mode comes from the environment).

Usage: python3 nbclient_lessons.py KERNEL_NAME NOTEBOOK.ipynb ...
Prints a JSON list with, for each notebook, its path, the number of code cells executed, the number of
image outputs, and the first error (ename, evalue) or null.
"""
import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


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
        client = NotebookClient(nb, kernel_name=name, timeout=300, startup_timeout=60)
        error = None
        try:
            client.execute()
        except CellExecutionError as e:
            error = {"ename": getattr(e, "ename", "CellExecutionError"), "evalue": str(e)[-2000:]}
        code = [c for c in nb.cells if c.cell_type == "code"]
        images = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        executed = sum(1 for c in code if c.get("execution_count"))
        results.append({"path": path, "code_cells": len(code), "executed": executed, "images": images, "error": error})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
