package spin

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	if Until(time.Millisecond, func() bool { return false }) {
		t.Fatal("Until reported a condition that never held")
	}
	var flag atomic.Bool
	go func() { time.Sleep(time.Millisecond); flag.Store(true) }()
	if !Until(5*time.Second, flag.Load) {
		t.Fatal("Until missed a condition that became true")
	}
}
