package nn_test

// A second device for tests: "testdev" keeps its buffers in host memory but is a distinct backend,
// so that tests can move tensors with To, check that mixing devices is refused with a clear error,
// and check that every operation reaches its data only through the Backend interface (an op that
// read a buffer directly would find a testdev buffer where it expects a CPU one and fail).

import (
	"fmt"
	"testing"

	"github.com/notmagic/notmagic/lib/nn/nntest"

	"github.com/notmagic/notmagic/lib/nn"
)

// testDev is the seam's test double (nntest.Wrap), registered as "testdev".
var testDev = nntest.Wrap("testdev")

func init() { nn.RegisterBackend(testDev) }

// TestConformance runs the backend conformance suite on testdev, which must agree with the CPU bit for
// bit: it checks the suite (shared with lib/gpu) as much as the seam.
func TestConformance(t *testing.T) { nntest.Conformance(t, "testdev", true) }

// TestBackendSeam runs every golden case on testdev and requires the same outputs and gradients,
// bit for bit, as on the CPU: every op, forward and backward, goes through the Backend interface.
func TestBackendSeam(t *testing.T) {
	for _, c := range loadGolden(t) {
		t.Run(c.Name, func(t *testing.T) {
			run := func(dev string) (out []float32, grads [][]float32) {
				ins := make([]*nn.Tensor, len(c.Inputs))
				for i, in := range c.Inputs {
					ins[i] = in.tensor().To(dev).SetRequiresGrad(c.Grads != nil)
				}
				y := goldenOps[c.Name](ins, c.Ints)
				if y.Device() != dev {
					t.Fatalf("output on %s, inputs on %s", y.Device(), dev)
				}
				if c.Grads != nil {
					y.BackwardWith(c.Weights.tensor().To(dev))
					for _, in := range ins {
						if g := in.Grad(); g != nil {
							if g.Device() != dev {
								t.Fatalf("gradient on %s, input on %s", g.Device(), dev)
							}
							grads = append(grads, g.Data())
						}
					}
				}
				return y.Data(), grads
			}
			var devOut []float32
			var devGrads [][]float32
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("on testdev: %v", r)
					}
				}()
				devOut, devGrads = run("testdev")
			}()
			cpuOut, cpuGrads := run("cpu")
			if fmt.Sprint(devOut) != fmt.Sprint(cpuOut) || fmt.Sprint(devGrads) != fmt.Sprint(cpuGrads) {
				t.Errorf("testdev and cpu differ:\n%v %v\n%v %v", devOut, devGrads, cpuOut, cpuGrads)
			}
		})
	}
}

func TestTo(t *testing.T) {
	x := nn.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	if x.To("cpu") != x {
		t.Error("To the same device should return the tensor itself")
	}
	d := x.To("testdev")
	if d.Device() != "testdev" || !d.RequiresGrad() || !d.IsLeaf() {
		t.Errorf("To(testdev): device %s, requires grad %v, leaf %v", d.Device(), d.RequiresGrad(), d.IsLeaf())
	}
	if fmt.Sprint(d.Data()) != "[1 2 3]" || d.At(2) != 3 {
		t.Errorf("values after To: %v", d.Data())
	}
	if got := d.String(); got != "tensor([1., 2., 3.]) shape=[3] device=testdev requires_grad" {
		t.Errorf("String on testdev: %q", got)
	}
	found := false
	for _, n := range nn.Devices() {
		found = found || n == "testdev"
	}
	if !found || nn.Devices()[0] != "cpu" {
		t.Errorf("Devices() = %v", nn.Devices())
	}
}
