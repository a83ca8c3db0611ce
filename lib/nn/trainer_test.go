package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestTrainerMatchesWrittenOut checks that Trainer.Step computes exactly what the written-out step
// does — loss, gradients and weights equal bit for bit over several steps — for the recipe's
// model, one with biases, attention dropout and an untied head (the composed attention path), and
// without clipping. The recycling a Trainer does is only sound if nothing it recycles is still read;
// the tests' NaN-filled recycled buffers (TestMain) make any such read show here.
func TestTrainerMatchesWrittenOut(t *testing.T) {
	const B, T = 3, 16
	for _, c := range []struct {
		cfg  Config
		clip float32
	}{
		{Config{Vocab: 11, Block: T, Layers: 2, Heads: 4, Embd: 32}, 0.5},
		{Config{Vocab: 11, Block: T, Layers: 2, Heads: 2, Embd: 16, Bias: true, Dropout: 0.1, Untied: true}, 1},
		{Config{Vocab: 11, Block: T, Layers: 1, Heads: 2, Embd: 16}, 0},
	} {
		t.Run(fmt.Sprintf("%+v clip %v", c.cfg, c.clip), func(t *testing.T) {
			Seed(3)
			ref := MustGPT(c.cfg)
			Seed(3)
			m := MustGPT(c.cfg)
			refOpt := NewAdamW(ref.Parameters(), 1e-2, 0.1)
			tr := NewTrainer(m, NewAdamW(m.Parameters(), 1e-2, 0.1), c.clip)
			x, y := make([]int, B*T), make([]int, B*T)
			for step := 0; step < 4; step++ {
				for i := range x {
					x[i], y[i] = (i*7+step)%11, (i*5+3*step)%11
				}
				Seed(uint64(100 + step)) // the same dropout masks on both sides
				loss := ref.Loss(ref.Forward(x, B, T), y)
				refOpt.ZeroGrad()
				loss.Backward()
				if c.clip > 0 {
					ClipGradNorm(ref.Parameters(), c.clip)
				}
				refOpt.Step()
				Seed(uint64(100 + step))
				got := tr.Step(x, y, B, T)
				if want := loss.Item(); math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("step %d: loss %v, written out %v", step, got, want)
				}
			}
			rp, mp := ref.Parameters(), m.Parameters()
			for i := range rp {
				if !bitsEqual(rp[i].Value.Data(), mp[i].Value.Data()) {
					t.Errorf("%s differs after 4 steps", rp[i].Name)
				}
				if !bitsEqual(rp[i].Value.Grad().Data(), mp[i].Value.Grad().Data()) {
					t.Errorf("%s's gradient differs after 4 steps", rp[i].Name)
				}
			}
		})
	}
}

// TestTrainerBadInputs checks that a bad batch is refused with a clear error before any work, and
// that the Trainer goes on training afterwards.
func TestTrainerBadInputs(t *testing.T) {
	m := MustGPT(Config{Vocab: 4, Block: 8, Layers: 1, Heads: 2, Embd: 8})
	tr := NewTrainer(m, NewAdamW(m.Parameters(), 1e-2, 0), 1)
	x := []int{0, 1, 2, 3, 0, 1, 2, 3}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"short targets", func() { tr.Step(x, x[:3], 1, 8) }, "3 targets for 8 ids"},
		{"B·T", func() { tr.Step(x, x, 2, 8) }, "8 ids for B=2 × T=8"},
		{"too long", func() { tr.Step(append(x, x...), append(x, x...), 1, 16) }, "exceeds the context length 8"},
		{"id out of range", func() { tr.Step([]int{0, 1, 2, 9, 0, 1, 2, 3}, x, 1, 8) }, "id 9 at position 3"},
		{"target out of range", func() { tr.Step(x, []int{0, 1, 2, 7, 0, 1, 2, 3}, 1, 8) }, "target 7 at row 3"},
	} {
		mustPanicWith(t, c.name, c.want, c.f)
	}
	if l := tr.Step(x, x, 1, 8); math.IsNaN(float64(l)) {
		t.Fatal("the step after the refused ones gave NaN")
	}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// ExampleTrainer trains a small GPT for a few steps on a repeating sequence.
func ExampleTrainer() {
	Seed(1)
	m := MustGPT(Config{Vocab: 4, Block: 8, Layers: 1, Heads: 2, Embd: 16})
	tr := NewTrainer(m, NewAdamW(m.Parameters(), 1e-2, 0), 1)
	x := []int{0, 1, 2, 3, 0, 1, 2, 3}
	y := []int{1, 2, 3, 0, 1, 2, 3, 0}
	first := tr.Step(x, y, 1, 8)
	var last float32
	for i := 0; i < 50; i++ {
		last = tr.Step(x, y, 1, 8)
	}
	fmt.Println(last < first/4)
	// Output: true
}

// mustPanicWith fails unless f panics with an *Error whose message contains want.
func mustPanicWith(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		e, ok := recover().(*Error)
		if !ok {
			t.Errorf("%s: no *Error panic", name)
		} else if !strings.Contains(e.Error(), want) {
			t.Errorf("%s: %q, want it to contain %q", name, e.Error(), want)
		}
	}()
	f()
}
