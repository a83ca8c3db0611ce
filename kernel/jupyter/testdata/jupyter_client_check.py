"""Drive the notmagic kernel with jupyter_client, started through its installed kernelspec.

Usage: python3 jupyter_client_check.py KERNEL_NAME
(JUPYTER_PATH must point at the folder holding kernels/KERNEL_NAME). Prints one JSON object with what each
step observed; the Go test (kernel/jupyter/integration_test.go) checks it.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def run(kc, code, **kw):
    """Execute code; return (reply content, [(msg_type, content)] of its iopub messages until idle)."""
    msg_id = kc.execute(code, **kw)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append([msg["msg_type"], msg["content"]])
    reply = shell_reply(kc, msg_id)
    return reply["content"], outputs


def drain_iopub(kc, msg_id):
    """The iopub messages of msg_id until its idle status."""
    msgs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return msgs
        msgs.append(msg)


def shell_reply(kc, msg_id):
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def request(kc, method, *args, **kw):
    msg_id = getattr(kc, method)(*args, **kw)
    return shell_reply(kc, msg_id)["content"]


def main():
    name = sys.argv[1]
    res = {}
    t0 = time.monotonic()
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=TIMEOUT)
    res["startup_s"] = time.monotonic() - t0
    try:
        res["kernel_info"] = request(kc, "kernel_info")
        res["stdout"] = run(kc, 'fmt.Println("hello from go")')
        res["stderr"] = run(kc, 'fmt.Fprintln(os.Stderr, "to stderr")')
        res["result"] = run(kc, "x := 6\nx * 7")
        res["error"] = run(kc, "undefinedThing + 1")
        # Standard input: the kernel asks on the stdin channel, the client answers.
        msg_id = kc.execute('var name string\nfmt.Scanln(&name)\nfmt.Println("hi " + name)', allow_stdin=True)
        req = kc.get_stdin_msg(timeout=TIMEOUT)
        kc.input("gopher")
        res["input_request"] = req["content"]
        res["input_reply"] = shell_reply(kc, msg_id)["content"]
        res["input_stdout"] = "".join(
            m["content"]["text"] for m in drain_iopub(kc, msg_id) if m["msg_type"] == "stream")
        res["complete"] = request(kc, "complete", "fmt.Pri", 7)
        res["inspect"] = request(kc, "inspect", "fmt.Println", 11, 0)
        res["is_complete"] = {
            code: request(kc, "is_complete", code)
            for code in ["x := 1", "func f() {", "x := )"]
        }
        res["history_tail"] = request(kc, "history", hist_access_type="tail", n=3, output=False, raw=True)
        res["history_search"] = request(kc, "history", hist_access_type="search", pattern="*hello*",
                                        output=False, raw=True)

        # Interrupt a busy loop, then run another cell.
        msg_id = kc.execute("for {\n}")
        time.sleep(0.5)
        t1 = time.monotonic()
        km.interrupt_kernel()
        res["interrupt_reply"] = shell_reply(kc, msg_id)["content"]
        res["interrupt_s"] = time.monotonic() - t1
        res["after_interrupt"] = run(kc, 'fmt.Println("still alive")')

        # Restart: a new interpreter session, the counter starts again.
        run(kc, "y := 5")
        t2 = time.monotonic()
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=TIMEOUT)
        res["restart_s"] = time.monotonic() - t2
        res["after_restart_old_var"] = run(kc, "y")
        res["after_restart_count"] = run(kc, "1+1")

        # Shutdown: a clean exit, not a kill.
        t3 = time.monotonic()
        km.shutdown_kernel(now=False)
        res["shutdown_s"] = time.monotonic() - t3
        res["alive_after_shutdown"] = km.is_alive()
        proc = getattr(km.provisioner, "process", None) if km.provisioner else None
        res["exit_code"] = proc.returncode if proc is not None else None
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
