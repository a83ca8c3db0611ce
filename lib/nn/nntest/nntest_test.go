package nntest

import (
	"math"
	"testing"
)

func TestRelErr(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(-1))
	for _, c := range []struct {
		got, want []float32
		ok        bool
	}{
		{[]float32{1, 2}, []float32{1, 2}, true},
		{[]float32{1, 2.0001}, []float32{1, 2}, true},
		{[]float32{1, 2.01}, []float32{1, 2}, false},
		{[]float32{nan}, []float32{nan}, false},
		{[]float32{1}, []float32{nan}, false},
		{[]float32{inf, 1}, []float32{inf, 1}, true},
		{[]float32{0, 1}, []float32{inf, 1}, false},
		{[]float32{1e-9, 1}, []float32{0, 1}, true},
		{[]float32{1}, []float32{1, 2}, false},
	} {
		if ok := RelErr(c.got, c.want) <= 1e-4; ok != c.ok {
			t.Errorf("RelErr(%v, %v) = %v", c.got, c.want, RelErr(c.got, c.want))
		}
	}
}
