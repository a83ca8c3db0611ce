"""Times kernels through Python's jupyter_client, for `notmagic bench kernel` (kernel/jupyter/bench.go).

Usage: python3 bench_jupyter_client.py CONFIG.json, with JUPYTER_PATH pointing at the folder whose
kernels/ holds each kernel's kernelspec. CONFIG: {"kernels": [{"name", "spec", "cells": [[case, code]],
"runs", "warmup", "starts"}]}. Prints one JSON line per figure, as bench.go's BenchResult:

- start: jupyter_client's start_new_kernel, from launching the process to the end of wait_for_ready
  (which waits for kernel_info_reply, an iopub message, then 0.2 s of iopub silence);
- each cell: execute, then the execute_reply on shell and the idle status on iopub;
- "<case> client": the client's own share of a cell, the same calls made when every message of the
  cell has already arrived (the kernel's time left out).
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def run(kc, code):
    """Runs code, returns seconds from execute to both the reply and the idle status."""
    t0 = time.perf_counter()
    wait(kc, kc.execute(code))
    return time.perf_counter() - t0


def wait(kc, msg_id):
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    if reply["content"]["status"] != "ok":
        raise RuntimeError("the cell failed: %s: %s" % (reply["content"].get("ename"), reply["content"].get("evalue")))
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            return


def client_only(kc, code):
    """The client's seconds for one cell: sending, and taking in messages that are all there already."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    sent = time.perf_counter() - t0
    time.sleep(0.02)
    t1 = time.perf_counter()
    wait(kc, msg_id)
    return sent + time.perf_counter() - t1


def emit(kernel, case, seconds):
    ds = sorted(seconds)
    p95 = ds[max(0, -(-95 * len(ds) // 100) - 1)]
    print(json.dumps({"kernel": kernel, "frontend": "jupyter_client", "case": case, "n": len(ds),
                      "median_ms": round(1e3 * ds[len(ds) // 2], 3), "p95_ms": round(1e3 * p95, 3)}), flush=True)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    for k in cfg["kernels"]:
        if k["starts"] > 0:
            seconds = []
            for i in range(k["starts"] + 1):  # the first one, untimed, loads what the client needs
                t0 = time.perf_counter()
                km, kc = start_new_kernel(kernel_name=k["spec"], startup_timeout=TIMEOUT)
                if i > 0:
                    seconds.append(time.perf_counter() - t0)
                kc.stop_channels()
                km.shutdown_kernel(now=True)
            emit(k["name"], "start", seconds)
        if not k["cells"]:
            continue
        km, kc = start_new_kernel(kernel_name=k["spec"], startup_timeout=TIMEOUT)
        try:
            for case, code in k["cells"]:
                for _ in range(k["warmup"]):
                    run(kc, code)
                emit(k["name"], case, [run(kc, code) for _ in range(k["runs"])])
            case, code = k["cells"][0]
            emit(k["name"], case + " client", [client_only(kc, code) for _ in range(max(20, k["runs"] // 4))])
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
