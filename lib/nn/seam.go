package nn

import "github.com/notmagic/notmagic/lib/nn/backend"

// Backend computes lib/nn's kernels on one kind of device (see package backend, where the seam's types
// and optional extensions are documented). The CPU backend is the reference; RegisterBackend makes
// another one available to Tensor.To.
type Backend = backend.Backend

// Buffer is a flat float32 array owned by a backend (host memory for the CPU, device memory for a GPU).
type Buffer = backend.Buffer
