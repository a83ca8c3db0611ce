// Package jupyter is the Jupyter face of notmagic's interpreter session (kernel/session): the messaging
// protocol (version 5.4) over ZeroMQ, and the kernelspec installer.
//
// Jupyter starts the kernel as `notmagic kernel -f CONNECTION_FILE` (internal/cli; see Serve). The kernel binds its five
// sockets (shell, control and stdin ROUTER, iopub PUB, heartbeat REP; go-zeromq/zmq4) to the address of
// the connection file only, over tcp or ipc. Every message is signed with HMAC-SHA256 of the connection
// key (no key: no signing); a message with a missing, wrong or replayed signature is logged and dropped,
// never run, and malformed frames are logged and skipped.
//
// Decisions worth knowing:
//   - Each request is framed by iopub status busy and idle; "starting" is published once.
//   - execute_result is sent only when a cell ends in an expression; execution_count advances when
//     store_history is true (never for silent requests).
//   - stop_on_error: after a failed cell, execute requests already queued on shell are answered with
//     status "aborted" before the failed cell's own reply, so a request sent in answer to that reply runs.
//   - Interrupts arrive as interrupt_request on control (kernelspec interrupt_mode "message") or SIGINT;
//     both cancel the running cell's context. Control and heartbeat have their own goroutines, so a cell
//     stuck in `for {}` never blocks them.
//   - shutdown_request ends the process cleanly, also with restart=true: Jupyter's kernel manager waits
//     for the process to exit and starts a new one, which is the fresh interpreter of a restart (a kernel
//     that stayed alive would be killed after a timeout).
//   - Stream output is batched (20 ms, or 256 KiB) and sent in messages of at most 1 MiB.
//   - history_request (tail, range, search with * and ? globs) is answered from the cells this kernel ran,
//     plus earlier kernels' cells when a history file is given (--history-file or NOTMAGIC_HISTORY_FILE).
//   - Comms (package comm): comm_open, comm_msg and comm_close from the frontend are delivered, on the
//     shell worker between cells, to the targets and comms that cells registered (widgets); what cells
//     open and send goes out on iopub with binary buffers. comm_info lists the open comms. A comm_open on
//     an unknown target is answered with comm_close; a malformed message or an unknown comm with an
//     error on iopub ("CommError", parented by the message), and the kernel serves on.
//
// Install writes the kernelspec (kernel.json with the binary's absolute path, interrupt_mode "message",
// and a generated logo) for the user, a prefix, the active virtual environment or any kernels directory.
package jupyter
