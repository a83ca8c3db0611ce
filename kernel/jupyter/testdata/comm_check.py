"""Play a widget frontend against the notmagic kernel with jupyter_client, and print what happened.

Usage: python3 comm_check.py KERNEL_NAME
Runs a cell that creates widgets, lists the open comms, moves a slider through a comm_msg (whose
handler prints), moves one whose handler panics, sends malformed comm messages, and runs a last cell.
Prints a JSON object of the steps' replies and iopub messages; kernel/jupyter/widgets_test.go checks it.
"""
import json
import sys

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def collect(kc, msg_id):
    """iopub messages of msg_id until its idle status."""
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
        out.append([msg["msg_type"], msg["content"]])


def execute(kc, code):
    msg_id = kc.execute(code)
    outputs = collect(kc, msg_id)
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return {"reply": reply["content"], "iopub": outputs}


def send(kc, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return {"iopub": collect(kc, msg["header"]["msg_id"])}


def request(kc, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return reply["content"]


def main():
    km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=TIMEOUT)
    steps = {}
    try:
        steps["create"] = execute(kc, 'w := widgets.NewFloatSlider("w", 0.5, 0, 1, 0.1)\n'
                                      'w.OnChange(func(v float64) { fmt.Println("w moved to", v) })\n'
                                      'bad := widgets.NewIntSlider("bad", 1, 0, 3, 1)\n'
                                      'bad.OnChange(func(v int) { xs := []int{1}; fmt.Println(xs[v]) })\n'
                                      'widgets.VBox(w, bad)')
        steps["info"] = request(kc, "comm_info_request", {"target_name": "jupyter.widget"})
        ids = {}
        for _, content in steps["create"]["iopub"]:
            state = content.get("data", {}).get("state", {})
            if "description" in state:
                ids[state["description"]] = content["comm_id"]
        steps["ids"] = ids
        steps["move"] = send(kc, "comm_msg", {"comm_id": ids["w"], "data": {"method": "update", "state": {"value": 0.7}}})
        steps["panic"] = send(kc, "comm_msg", {"comm_id": ids["bad"], "data": {"method": "update", "state": {"value": 3}}})
        steps["malformed"] = send(kc, "comm_msg", {"data": {"method": "update"}})
        steps["after"] = execute(kc, 'fmt.Println(w.Value(), bad.Value())')
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps(steps))


main()
