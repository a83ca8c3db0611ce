"""Execute a notebook end to end with nbclient on the notmagic kernel.

Usage: python3 nbclient_run.py KERNEL_NAME OUT.ipynb
Builds a small notebook, executes it, writes the executed notebook to OUT.ipynb and prints a JSON summary
of each cell's outputs (output_type, stream text, MIME types, execution_count).
"""
import json
import sys

import nbformat
from nbclient import NotebookClient

CELLS = [
    'fmt.Println("hello notebook")',
    "x := 21\nx * 2",
    'display.Markdown("**bold** text")',
    'import "image"\nimport "image/color"\n\nimg := image.NewRGBA(image.Rect(0, 0, 16, 16))\n'
    "for i := 0; i < 16; i++ {\n\timg.Set(i, i, color.RGBA{255, 0, 0, 255})\n}\ndisplay.Image(img)",
    'for i := 0; i < 3; i++ {\n\tdisplay.Update("progress", fmt.Sprintf("step %d", i))\n}',
]


def main():
    name, out = sys.argv[1], sys.argv[2]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": name, "display_name": "Go", "language": "go"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = NotebookClient(nb, kernel_name=name, timeout=120, startup_timeout=60)
    client.execute()
    nbformat.write(nb, out)
    summary = {"language_info": nb.metadata.get("language_info", {}), "cells": []}
    for cell in nb.cells:
        outs = []
        for o in cell.outputs:
            d = {"output_type": o.output_type}
            if o.output_type == "stream":
                d["name"], d["text"] = o.name, o.text
            if "data" in o:
                d["mime"] = sorted(o.data.keys())
                d["text"] = o.data.get("text/plain", "")
            outs.append(d)
        summary["cells"].append({"execution_count": cell.execution_count, "outputs": outs})
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
