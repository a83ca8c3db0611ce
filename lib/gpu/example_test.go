package gpu_test

import (
	"fmt"

	"github.com/notmagic/notmagic/lib/gpu"
	"github.com/notmagic/notmagic/lib/nn"
)

// Use the GPU when there is one and carry on on the CPU otherwise.
func ExampleRegister() {
	device := "cuda"
	if err := gpu.Register(); err != nil {
		device = "cpu" // err says why: no driver library, no GPU, ...
	}
	nn.Seed(1)
	model := nn.MustGPT(nn.Config{Vocab: 65, Block: 32, Layers: 2, Heads: 4, Embd: 64})
	if err := model.To(device); err != nil {
		panic(err)
	}
	ids := make([]int, 2*32)
	logits := model.Forward(ids, 2, 32)
	fmt.Println(logits.Shape(), logits.Device() == device)
	// Output: [2 32 65] true
}
