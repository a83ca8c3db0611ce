"""Start the notmagic kernel with jupyter_client, set it busy in `for {}`, print its PID and wait to be killed.

Usage: python3 parent_death.py KERNEL_NAME
The Go test (kernel/jupyter/truthful_test.go) kills this process and checks that the kernel ends itself.
"""
import sys
import time

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=60)
kc.execute("for {}")
time.sleep(0.5)
print(km.provisioner.process.pid if getattr(km, "provisioner", None) else km.kernel.pid, flush=True)
time.sleep(600)
