package gpu

import "strings"

// Peak is a GPU's dense peak throughput in FLOP/s, for model FLOPs utilisation (MFU).
type Peak struct {
	FP32 float64 // plain float32 (CUDA cores): the peak of this backend's default, exact mode
	TF32 float64 // TF32 tensor cores (SetTF32)
	BF16 float64 // bf16 tensor cores, the figure MFU is usually quoted against
}

// peaks are NVIDIA's published dense figures for common data-centre cards, matched by name.
var peaks = []struct {
	match []string // every substring must occur in the device name
	peak  Peak
}{
	{[]string{"H200"}, Peak{FP32: 67e12, TF32: 495e12, BF16: 989e12}},
	{[]string{"H100", "PCIe"}, Peak{FP32: 51e12, TF32: 378e12, BF16: 756e12}},
	{[]string{"H100", "NVL"}, Peak{FP32: 60e12, TF32: 418e12, BF16: 835e12}},
	{[]string{"H100"}, Peak{FP32: 67e12, TF32: 495e12, BF16: 989e12}}, // SXM
	{[]string{"A100"}, Peak{FP32: 19.5e12, TF32: 156e12, BF16: 312e12}},
}

// PeakFLOPS returns the dense peak throughput of the device by its name, and false for a card the
// table does not know.
func (i Info) PeakFLOPS() (Peak, bool) {
	for _, p := range peaks {
		ok := true
		for _, m := range p.match {
			if !strings.Contains(i.Name, m) {
				ok = false
				break
			}
		}
		if ok {
			return p.peak, true
		}
	}
	return Peak{}, false
}
