package nntest_test

import (
	"fmt"

	"github.com/notmagic/notmagic/lib/nn"
	"github.com/notmagic/notmagic/lib/nn/nntest"
)

// A test double is a device of its own: tensors move to it with To, compute there, and come back.
func ExampleWrap() {
	nn.RegisterBackend(nntest.Wrap("example-dev"))
	x := nn.New([]float32{1, 2, 3, 4}, 2, 2).To("example-dev")
	y := x.MatMul(x).Add(x)
	fmt.Println(y.Device(), y.Data())
	// Output: example-dev [8 12 18 26]
}
