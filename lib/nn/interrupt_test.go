package nn

import (
	"errors"
	"testing"
)

func TestSetInterruptStopsOps(t *testing.T) {
	stop := false
	SetInterrupt(func() bool { return stop })
	defer SetInterrupt(nil)
	a := Ones(2, 2)
	_ = a.Add(a) // runs while the check says no
	stop = true
	func() {
		defer func() {
			var e *Error
			if r := recover(); r == nil {
				t.Fatal("an op ran although the interrupt check said stop")
			} else if err, ok := r.(error); !ok || !errors.As(err, &e) || e.Op != "interrupt" {
				t.Fatalf("recovered %v, want *nn.Error with Op interrupt", r)
			}
		}()
		_ = a.MatMul(a)
	}()
	SetInterrupt(nil)
	if got := a.Add(a).Sum().Item(); got != 8 {
		t.Fatalf("after removing the check: sum %v, want 8", got)
	}
}
