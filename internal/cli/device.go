package cli

import (
	"github.com/notmagic/notmagic/lib/gpu"
	"github.com/notmagic/notmagic/lib/nn"
)

// openDevice makes --device usable: "cuda" opens lib/gpu and registers it with lib/nn (an error
// says why it cannot, e.g. no NVIDIA driver); other names must already be registered.
// The returned sync waits until the device has finished its queued work (a no-op on the CPU), so
// that a step's time includes its GPU work.
func openDevice(name string) (sync func() error, err error) {
	if name == "cuda" {
		if err := gpu.Register(); err != nil {
			return nil, err
		}
		return gpu.Sync, nil
	}
	if _, err := nn.BackendFor(name); err != nil {
		return nil, err
	}
	return func() error { return nil }, nil
}

// setPrecision applies --precision and --flash-attention to the GPU backend (check has made sure they
// are only set with --device cuda); an empty precision leaves the environment's choice.
func (f *modelFlags) setPrecision() error {
	if f.device != "cuda" {
		return nil
	}
	if f.flash {
		gpu.SetFlashAttention(true)
	}
	if f.precision == "" {
		return nil
	}
	if err := gpu.SetBF16(f.precision == "bf16"); err != nil {
		return err
	}
	return gpu.SetTF32(f.precision == "tf32")
}

// deviceFields returns the JSON fields of a GPU run: the device's name, whether cuBLAS, TF32, bf16
// and the FlashAttention kernels were used, the peak device memory the allocator held (in use plus cached, MiB) and the garbage
// collections it asked for, and model FLOPs utilisation as RECIPE.md defines it: FLOPs per token
// (6·N + 12·layers·width·block) × tokens/s ÷ the card's peak, against its FP32, TF32 and BF16 dense
// peaks (left out for an unknown card). Nothing on the CPU.
func deviceFields(device string, flopsPerToken, tokensPerS float64) []any {
	if device != "cuda" {
		return nil
	}
	info, err := gpu.DeviceInfo()
	if err != nil {
		return nil
	}
	f := flopsPerToken * tokensPerS
	fields := []any{"device", info.Name, "cublas", info.CUBLAS != "", "tf32", info.TF32, "bf16", info.BF16,
		"flash_attention", gpu.FlashAttentionOn(), "model_tflops", pyRound(f/1e12, 2)}
	if mem, err := gpu.Memory(); err == nil {
		fields = append(fields, "device_peak_mb", mem.Peak>>20, "gcs", mem.GCs)
	}
	if p, ok := info.PeakFLOPS(); ok {
		fields = append(fields, "mfu_vs_fp32_peak", pyRound(f/p.FP32, 4), "mfu_vs_tf32_peak", pyRound(f/p.TF32, 4), "mfu_vs_bf16_peak", pyRound(f/p.BF16, 4))
	}
	return fields
}
