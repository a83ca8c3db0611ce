"""Run cells through the notmagic kernel with jupyter_client and print what each produced.

Usage: python3 cells_check.py KERNEL_NAME CELLS.json
cells.json is a JSON list of cell sources, run in order in one kernel. Prints a JSON list with, for each
cell, [execute_reply content, [[msg_type, content], ...]] (its iopub messages until idle).
The Go test (kernel/jupyter/truthful_test.go) checks them.
"""
import json
import sys

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def run(kc, code):
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append([msg["msg_type"], msg["content"]])
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return [reply["content"], outputs]


def main():
    with open(sys.argv[2]) as f:
        cells = json.load(f)
    km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=TIMEOUT)
    try:
        print(json.dumps([run(kc, c) for c in cells]))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


main()
