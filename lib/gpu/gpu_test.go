package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/backend"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

// requireGPU returns the CUDA backend, or skips the test when there is no GPU — and fails it instead
// when NOTMAGIC_REQUIRE_GPU=1 (the GPU machine's check), so a broken setup cannot pass as "skipped".
func requireGPU(t testing.TB) *Backend {
	t.Helper()
	be, err := Default()
	if err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_GPU") == "1" {
			t.Fatalf("NOTMAGIC_REQUIRE_GPU=1 but the CUDA backend is unavailable: %v", err)
		}
		t.Skipf("no GPU: %v", err)
	}
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	return be
}

// TestAvailable checks what a machine without a GPU sees — a clear error, no panic, no "cuda" device —
// and on a GPU machine that the device opens and registers.
func TestAvailable(t *testing.T) {
	err := Available()
	if err != nil {
		if os.Getenv("NOTMAGIC_REQUIRE_GPU") == "1" {
			t.Fatalf("NOTMAGIC_REQUIRE_GPU=1 but the CUDA backend is unavailable: %v", err)
		}
		t.Logf("Available() = %v", err)
		if !strings.HasPrefix(err.Error(), "gpu: ") {
			t.Errorf("error %q does not say where it comes from", err)
		}
		if err2 := Available(); err2 != err {
			t.Errorf("a second call gave a different error: %v", err2)
		}
		if rerr := Register(); rerr == nil || rerr.Error() != err.Error() {
			t.Errorf("Register() = %v, want Available's error", rerr)
		}
		if _, berr := nn.BackendFor("cuda"); berr == nil {
			t.Error(`"cuda" is registered although the GPU is unavailable`)
		}
		if _, ierr := DeviceInfo(); ierr == nil {
			t.Error("DeviceInfo without a GPU succeeded")
		}
		mustPanic(t, `no device "cuda"`, func() { nn.Ones(2).To("cuda") })
		return
	}
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	info, _ := DeviceInfo()
	t.Logf("device: %v", info)
	if !strings.Contains(fmt.Sprint(nn.Devices()), "cuda") {
		t.Fatalf("devices %v lack cuda", nn.Devices())
	}
}

// TestOpsMatchCPU compares every backend method with the CPU backend on random inputs.
func TestOpsMatchCPU(t *testing.T) {
	be := requireGPU(t)
	for _, c := range nntest.OpCases() {
		nntest.CompareOp(t, be, c)
	}
	if err := Sync(); err != nil {
		t.Fatal(err)
	}
}

// TestMatMulMatchesCPU compares batched products through cuBLAS (when loaded) and the PTX GEMM.
func TestMatMulMatchesCPU(t *testing.T) {
	be := requireGPU(t)
	info, _ := DeviceInfo()
	paths := []bool{false}
	if info.CUBLAS != "" {
		paths = []bool{true, false}
	} else {
		t.Logf("cuBLAS not loaded (%s): testing the PTX GEMM only", info.CUBLASError)
	}
	defer UseCUBLAS(true)
	for _, blas := range paths {
		if _, err := UseCUBLAS(blas); err != nil {
			t.Fatal(err)
		}
		for _, c := range nntest.MatMulCases() {
			c.Name = fmt.Sprintf("cublas=%v/%s", blas, c.Name)
			nntest.CompareOp(t, be, c)
		}
	}
}

// TestTF32 checks cuBLAS with TF32 tensor cores on: within 1e-2 of the CPU, as the issue allows,
// relative to the product's scale (scaledErr). TF32 keeps 10 bits of each input's mantissa, so a
// term's error is about 2⁻¹¹·|a·b| and a sum of k = 512 such terms is off by ~√k·2⁻¹¹ of a typical
// term; an element near zero has a large error relative to itself (2.6% was seen on an H200), which is
// not a TF32 fault. The test also checks that TF32 really is in use: exact float32 would be within 1e-5.
func TestTF32(t *testing.T) {
	be := requireGPU(t)
	info, _ := DeviceInfo()
	if info.CUBLAS == "" || info.Major < 8 {
		t.Skipf("TF32 needs cuBLAS and compute capability 8.0+ (%v)", info)
	}
	if err := SetTF32(true); err != nil {
		t.Fatal(err)
	}
	defer SetTF32(false)
	got, want := reducedPrecisionProduct(be), reducedPrecisionProduct(nn.CPU)
	e := nntest.ScaledErr(got, want)
	t.Logf("TF32 product: largest error %.2g of the largest value", e)
	if e > 1e-2 {
		t.Errorf("TF32 product off by %.3g of its scale (> 1e-2): first values %v, cpu %v", e, nntest.Head(got), nntest.Head(want))
	}
	if e < 1e-6 {
		t.Errorf("TF32 product within %.2g of float32: TF32 does not seem to be in use", e)
	}
}

// reducedPrecisionProduct is the 256×512·512×128 product of random data on b, which the TF32 and bf16
// tests compare with the CPU's.
func reducedPrecisionProduct(b backend.Backend) []float32 {
	av, bv := nntest.Data(41, 256*512, 1, 0, false), nntest.Data(42, 512*128, 1, 0, false)
	d := b.Alloc(256 * 128)
	b.MatMul(d, b.FromHost(av), b.FromHost(bv), 1, 256, 128, 512, false, false, 0, 0, false)
	out := make([]float32, d.Len())
	b.ToHost(out, d)
	return out
}

// TestBadInputsOnGPU checks that misuse reports a clear error instead of reading out of bounds.
func TestBadInputsOnGPU(t *testing.T) {
	be := requireGPU(t)
	table := be.FromHost(make([]float32, 10*4))
	mustPanic(t, "outside [0, 10)", func() { be.Embedding(be.Alloc(8), table, []int32{1, 10}, 4) })
	mustPanic(t, "outside [0, 5)", func() {
		be.CrossEntropy(be.Alloc(1), be.Alloc(2), be.Alloc(10), []int32{0, 7}, 2, 5, -100)
	})
	mustPanic(t, "different devices", func() { nn.Ones(3).To("cuda").Add(nn.Ones(3)) })
	mustPanic(t, "cpu buffer was passed to the cuda backend", func() { be.Axpy(be.Alloc(3), 1, nn.CPU.Alloc(3)) })
	if err := Sync(); err != nil {
		t.Fatalf("the device is unusable after rejected inputs: %v", err)
	}
}

// TestAutogradMatchesCPU runs a small network forward and backward through lib/nn's ops on both
// devices and compares the loss and every gradient.
func TestAutogradMatchesCPU(t *testing.T) {
	requireGPU(t)
	nntest.CheckAutograd(t, "cuda")
}

// TestGPTStepMatchesCPU trains a small GPT for two steps on both devices from the same weights and
// batches and compares the losses, the gradients and the updated weights.
func TestGPTStepMatchesCPU(t *testing.T) {
	requireGPU(t)
	nntest.CheckGPTStep(t, "cuda")
	s, _ := Memory()
	t.Logf("allocator: %+v", s)
}

// checkDropoutMask compares the device's dropout mask with the host hash, bit for bit.
func checkDropoutMask(t *testing.T, be *Backend) {
	for _, c := range []struct {
		n    int
		p    float32
		seed uint64
	}{{1, 0.5, 1}, {100003, 0.2, 1337}, {5000, 0, 9}, {4096, 0.9, 1 << 63}} {
		m := be.Alloc(c.n)
		be.DropoutMask(m, c.p, c.seed)
		got := make([]float32, c.n)
		be.ToHost(got, m)
		if want := dropoutMaskHost(c.n, c.p, c.seed); !reflect.DeepEqual(got, want) {
			t.Errorf("dropout mask n=%d p=%v seed=%d differs from the host hash (first %v, want %v)", c.n, c.p, c.seed, nntest.Head(got), nntest.Head(want))
		}
	}
	mustPanic(t, "must be in [0, 1)", func() { be.DropoutMask(be.Alloc(3), 1, 0) })
}

func TestDropoutMaskOnGPU(t *testing.T) { checkDropoutMask(t, requireGPU(t)) }

// checkDropoutAndClip checks the two places where lib/nn keeps work on the device through optional
// interfaces: nn.Dropout draws its mask with DropoutMask (the same mask as the host hash of the seed
// that lib/nn's generator hands it), and nn.ClipGradNorm sums the squared gradients on the device and
// scales them there, agreeing with the CPU (float64 sum on the host) within 1e-5.
func checkDropoutAndClip(t *testing.T, device string) {
	x := nn.Randn(3, 7, 11)
	nn.Seed(5)
	got := nn.Dropout(x.To(device), 0.25, true).Data()
	// The seed lib/nn's generator hands the device after nn.Seed(5) (its PCG seeding, see nn.Seed).
	mask := dropoutMaskHost(x.Len(), 0.25, rand.New(rand.NewPCG(5, 5^0x9e3779b97f4a7c15)).Uint64())
	for i, v := range x.Data() {
		if want := v * mask[i]; got[i] != want {
			t.Fatalf("dropout on %s: element %d is %v, want %v (the device mask of the same seed)", device, i, got[i], want)
		}
	}
	checkCausalSoftmax(t, device)
	params := func(dev string) []*nn.Param {
		nn.Seed(9)
		var ps []*nn.Param
		loss := nn.Scalar(0).To(dev)
		for i, shape := range [][]int{{64, 33}, {1000}, {5}} {
			w := nn.Randn(shape...).To(dev).SetRequiresGrad(true)
			c := nn.Randn(shape...).To(dev)
			loss = loss.Add(w.Mul(c).Sum())
			ps = append(ps, &nn.Param{Name: fmt.Sprint("p", i), Value: w})
		}
		ps = append(ps, &nn.Param{Name: "unused", Value: nn.Zeros(3).To(dev).SetRequiresGrad(true)})
		loss.Backward()
		return ps
	}
	pc, pg := params("cpu"), params(device)
	for _, maxNorm := range []float32{1e6, 0.5} {
		nc, ng := nn.ClipGradNorm(pc, maxNorm), nn.ClipGradNorm(pg, maxNorm)
		if e := nntest.RelErr([]float32{ng}, []float32{nc}); e > 1e-5 || ng != ng {
			t.Fatalf("ClipGradNorm(max %v): norm %v on %s, %v on the CPU", maxNorm, ng, device, nc)
		}
		for i := range pc[:3] {
			if e := nntest.RelErr(pg[i].Value.Grad().Data(), pc[i].Value.Grad().Data()); e > 1e-5 {
				t.Errorf("ClipGradNorm(max %v): gradient of %s: relative error %.3g", maxNorm, pc[i].Name, e)
			}
		}
	}
}

func TestDropoutAndClipOnGPU(t *testing.T) {
	requireGPU(t)
	checkDropoutAndClip(t, "cuda")
}

// TestMain poisons uninitialised buffers (NaN) for every comparison, so an op that leaves part of an
// output from AllocUninit unwritten fails; the timing (NOTMAGIC_GPU_BENCH=1) runs as users do.
func TestMain(m *testing.M) {
	poisonUninit = os.Getenv("NOTMAGIC_GPU_BENCH") != "1"
	os.Exit(m.Run())
}

// checkCausalSoftmax compares the fused causal softmax with dropout (backend.FusedCausalSoftmax) against a
// float64 reference on the host: the weights before and after dropout (with the host hash's mask) and
// the gradient scale·y·(d − Σ y·d), d = dout·mask/(1−p), within 1e-5 relative.
func checkCausalSoftmax(t *testing.T, device string) {
	be, err := nn.BackendFor(device)
	if err != nil {
		t.Fatal(err)
	}
	fs := be.(backend.FusedCausalSoftmax)
	for _, c := range []struct {
		n, T  int
		scale float32
		p     float32
		seed  uint64
	}{{1, 1, 1, 0.5, 1}, {3, 7, 0.4, 0.2, 99}, {2, 33, 0.125, 0, 5}, {4, 300, 0.1, 0.1, 1 << 40}} {
		rows := c.n * c.T
		x, dout := nntest.Data(7, rows*c.T, 3, 0, false), nntest.Data(8, rows*c.T, 1, 0, false)
		out, y, dx := be.Alloc(rows*c.T), be.Alloc(rows*c.T), be.Alloc(rows*c.T)
		if c.p == 0 {
			out = y
		}
		fs.CausalSoftmax(out, y, be.FromHost(x), rows, c.T, c.scale, c.p, c.seed)
		fs.CausalSoftmaxGrad(dx, y, be.FromHost(dout), rows, c.T, c.scale, c.p, c.seed)
		mask := dropoutMaskHost(rows*c.T, c.p, c.seed)
		wantY, wantOut, wantDX := make([]float32, rows*c.T), make([]float32, rows*c.T), make([]float32, rows*c.T)
		for r := 0; r < rows; r++ {
			i, base := r%c.T, r*c.T
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				mx = math.Max(mx, float64(c.scale)*float64(x[base+j]))
			}
			var sum, acc float64
			e := make([]float64, i+1)
			for j := range e {
				e[j] = math.Exp(float64(c.scale)*float64(x[base+j]) - mx)
				sum += e[j]
			}
			d := make([]float64, i+1)
			for j := range e {
				e[j] /= sum
				d[j] = float64(dout[base+j]) * float64(mask[base+j])
				acc += e[j] * d[j]
			}
			for j := range e {
				wantY[base+j] = float32(e[j])
				wantOut[base+j] = float32(e[j] * float64(mask[base+j]))
				wantDX[base+j] = float32(float64(c.scale) * e[j] * (d[j] - acc))
			}
		}
		for _, o := range []struct {
			name string
			got  backend.Buffer
			want []float32
		}{{"weights", y, wantY}, {"weights after dropout", out, wantOut}, {"gradient", dx, wantDX}} {
			g := make([]float32, o.got.Len())
			be.ToHost(g, o.got)
			if e := nntest.RelErr(g, o.want); e > 1e-5 {
				t.Errorf("causal softmax %+v on %s: %s: relative error %.3g (first %v, want %v)", c, device, o.name, e, nntest.Head(g), nntest.Head(o.want))
			}
		}
	}
}
