package gpu

import (
	"strings"
	"testing"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

// checkBF16 checks bf16 products (SetBF16): a 256×512·512×128 product within 1e-2 of the CPU's
// relative to its scale (bf16 keeps 8 bits of each input's mantissa: a term is off by about 2⁻⁹ of
// |a·b|, and a sum of 512 by ~√512·2⁻⁹ of a typical term, ~4e-3 of the largest value), and not within
// 1e-5 (bf16 really in use); then three GPT training steps whose losses stay within 1e-2 of the CPU's.
func checkBF16(t *testing.T, be *Backend) {
	if err := be.d.setBF16(true); err != nil {
		t.Fatal(err)
	}
	defer be.d.setBF16(false)
	got, want := reducedPrecisionProduct(be), reducedPrecisionProduct(nn.CPU)
	e := nntest.ScaledErr(got, want)
	t.Logf("bf16 product on %s: largest error %.2g of the largest value", be.Name(), e)
	if e > 1e-2 || e != e {
		t.Errorf("bf16 product off by %.3g of its scale (> 1e-2): first values %v, cpu %v", e, nntest.Head(got), nntest.Head(want))
	}
	if e < 1e-5 {
		t.Errorf("bf16 product within %.2g of float32: bf16 does not seem to be in use", e)
	}
	cfg := nn.Config{Vocab: 65, Block: 32, Layers: 2, Heads: 4, Embd: 64}
	losses := func(dev string) []float32 {
		nn.Seed(11)
		m, err := nn.NewGPT(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.To(dev); err != nil {
			t.Fatal(err)
		}
		opt := nn.NewAdamW(m.Parameters(), 1e-3, 0.1)
		var ls []float32
		for step := range 3 {
			ids, tg := nntest.Batch(uint64(step), 4, 32, cfg.Vocab)
			ls = append(ls, nntest.TrainStep(m, opt, ids, tg, 4, 32))
		}
		return ls
	}
	lc, lg := losses("cpu"), losses(be.Name())
	t.Logf("losses cpu %v, %s with bf16 products %v", lc, be.Name(), lg)
	if e := nntest.RelErr(lg, lc); e > 1e-2 || e != e {
		t.Errorf("GPT steps with bf16 products: losses %v, cpu %v (relative error %.3g > 1e-2)", lg, lc, e)
	}
}

func TestBF16OnGPU(t *testing.T) {
	be := requireGPU(t)
	if info, _ := DeviceInfo(); info.CUBLAS == "" || info.Major < 8 {
		t.Skipf("bf16 needs cuBLAS and compute capability 8.0+ (%v)", info)
	}
	checkBF16(t, be)
}

// TestBF16NeedsCUBLAS checks the error where no cuBLAS loaded (the recording device has none).
func TestBF16NeedsCUBLAS(t *testing.T) {
	be, finish := recordingDevice()
	defer finish()
	if err := be.d.setBF16(true); err == nil || !strings.Contains(err.Error(), "bf16 products need cuBLAS") {
		t.Errorf("setBF16 without cuBLAS: %v", err)
	}
	if err := be.d.setBF16(false); err != nil {
		t.Errorf("turning bf16 off without cuBLAS: %v", err)
	}
}
