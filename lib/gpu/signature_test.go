package gpu

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

// recordingDevice returns a device with no driver behind it: launches and other jobs are collected
// instead of run (synchronous jobs answer at once, nothing is copied), and memory comes from a fake
// allocator. It lets the Go half of every Backend method run on a machine without a GPU.
func recordingDevice() (*Backend, func() []job) {
	d := &device{jobs: make(chan *job, 1<<16), vals: new([maxSlots]uint64), ptrs: new([maxArgs]uintptr)}
	d.info = Info{Name: "recording", SMs: 132}
	for k := range d.funcs {
		d.funcs[k] = uintptr(k + 1)
	}
	f := &fakeDevice{live: map[uintptr]uint64{}, limit: 1 << 50}
	d.alloc = newAllocator(f.alloc, f.free)
	var got []job
	done := make(chan struct{})
	go func() {
		for j := range d.jobs {
			if j.fn != 0 {
				got = append(got, *j)
			}
			if j.done != nil {
				j.done <- nil
			}
		}
		close(done)
	}()
	return &Backend{d: d}, func() []job {
		close(d.jobs)
		<-done
		return got
	}
}

// TestLaunchSignatures runs every op case through the Backend with a recording device and checks
// each kernel launch against the embedded PTX: the parameter types in order (a Go/CUDA mismatch in
// an argument list would otherwise only show on a GPU, as garbage or a crash), and the launch
// geometry within CUDA's limits. It also checks that the cases reach every kernel.
func TestLaunchSignatures(t *testing.T) {
	mods, err := ptxModules()
	if err != nil {
		t.Fatal(err)
	}
	where, err := kernelModules(mods)
	if err != nil {
		t.Fatal(err)
	}
	be, finish := recordingDevice()
	cases := append(nntest.OpCases(), nntest.MatMulCases()...)
	for _, c := range cases {
		c.Run(be)
	}
	be.DropoutMask(be.Alloc(1000), 0.2, 7)
	be.CausalSoftmax(be.Alloc(2*5*5), be.Alloc(2*5*5), be.Alloc(2*5*5), 10, 5, 0.5, 0.1, 3)
	be.CausalSoftmaxGrad(be.Alloc(2*5*5), be.Alloc(2*5*5), be.Alloc(2*5*5), 10, 5, 0.5, 0.1, 3)
	for _, D := range []int{7, 40} { // one of each instantiation: D ≤ 32 and D ≤ 64
		n := 2 * 70 * 3 * D
		be.FlashAttention(be.Alloc(n), be.Alloc(2*3*70), be.Alloc(3*n), 2, 70, 3, D, 0.3, 0.1, 5)
		be.FlashAttentionGrad(be.Alloc(3*n), be.Alloc(n), be.Alloc(n), be.Alloc(2*3*70), be.Alloc(3*n), 2, 70, 3, D, 0.3, 0.1, 5)
	}
	jobs := finish() // cuBLAS is not loaded on a recording device: MatMul used the PTX GEMM

	used := map[kernelID]int{}
	for _, j := range jobs {
		k := kernelID(j.fn - 1)
		used[k]++
		want := ptxParams(mods[where[k]].text, kernelNames[k])
		got := j.a.kinds[:j.a.n]
		if !slices.Equal(got, want) {
			t.Errorf("%s launched with parameters %v; the PTX declares %v", kernelNames[k], got, want)
		}
		threads := j.block[0] * j.block[1] * j.block[2]
		if threads == 0 || threads > 1024 || threads%32 != 0 {
			t.Errorf("%s: block %v has %d threads (want a multiple of 32, at most 1024)", kernelNames[k], j.block, threads)
		}
		if j.grid[0] == 0 || j.grid[1] == 0 || j.grid[2] == 0 || j.grid[1] > maxGridYZ || j.grid[2] > maxGridYZ || j.grid[0] > 1<<31-1 {
			t.Errorf("%s: grid %v outside CUDA's limits", kernelNames[k], j.grid)
		}
	}
	var missing []string
	for k := kernelID(0); k < numKernels; k++ {
		if used[k] == 0 {
			missing = append(missing, kernelNames[k])
		}
	}
	if len(missing) > 0 {
		t.Errorf("the op cases never launch %s", strings.Join(missing, ", "))
	}
	t.Logf("%d launches over %d kernels", len(jobs), len(used))
}

func TestPTXParams(t *testing.T) {
	text := ".visible .entry nm_x(\n\t.param .u32 nm_x_param_0,\n\t.param .align 4 .b8 nm_x_param_1[104],\n\t.param .f32 nm_x_param_2\n)\n{\n"
	if got := fmt.Sprint(ptxParams(text, "nm_x")); got != "[u32 b8[104] f32]" {
		t.Fatalf("ptxParams = %s", got)
	}
	if ptxParams(text, "nm_y") != nil {
		t.Fatal("found a missing entry")
	}
}

// TestBackendRejectsForeignBuffers checks the clear error for a CPU buffer handed to the CUDA backend.
func TestBackendRejectsForeignBuffers(t *testing.T) {
	be, finish := recordingDevice()
	defer finish()
	mustPanic(t, "a cpu buffer was passed to the cuda backend", func() { be.Axpy(be.Alloc(3), 1, nn.CPU.Alloc(3)) })
	mustPanic(t, "outside [0, 10)", func() { be.Embedding(be.Alloc(8), be.Alloc(40), []int32{1, 10}, 4) })
	mustPanic(t, "target 7 of row 1 is outside [0, 5)", func() {
		be.CrossEntropy(be.Alloc(1), be.Alloc(2), be.Alloc(10), []int32{0, 7}, 2, 5, -100)
	})
}
