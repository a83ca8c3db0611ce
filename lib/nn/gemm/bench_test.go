package gemm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkSgemm times every DefaultShapes product single-threaded and with 2 goroutines and
// reports GFLOP/s; -bench 'Sgemm/generic' etc. picks a kernel.
func BenchmarkSgemm(b *testing.B) {
	for _, kern := range kernels() {
		for _, s := range DefaultShapes() {
			for _, nt := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/t%d", kern.name, s, nt), func(b *testing.B) {
					restore, _ := useKernel(kern.name)
					defer restore()
					prev := SetThreads(nt)
					defer SetThreads(prev)
					lda, ldb := s.K, s.N
					if s.TransA {
						lda = s.M
					}
					if s.TransB {
						ldb = s.K
					}
					a, bb, c := make([]float32, s.M*s.K), make([]float32, s.K*s.N), make([]float32, s.M*s.N)
					for i := range a {
						a[i] = float32(i%13) - 6
					}
					for i := range bb {
						bb[i] = float32(i%11) - 5
					}
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1, a, lda, bb, ldb, 0, c, s.N)
					}
					b.ReportMetric(2*float64(s.M*s.N*s.K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkAttention is the GPT benchmark's attention: 48 heads of q·kᵀ (64×64×32) then p·v.
func BenchmarkAttention(b *testing.B) {
	for _, nt := range []int{1, 2} {
		b.Run(fmt.Sprintf("t%d", nt), func(b *testing.B) {
			prev := SetThreads(nt)
			defer SetThreads(prev)
			const heads, T, hd = 48, 64, 32
			q, k, v := make([]float32, heads*T*hd), make([]float32, heads*T*hd), make([]float32, heads*T*hd)
			att, out := make([]float32, heads*T*T), make([]float32, heads*T*hd)
			b.ReportAllocs()
			for b.Loop() {
				SgemmBatch(heads, false, true, T, T, hd, 0.17, q, hd, T*hd, k, hd, T*hd, 0, att, T, T*T)
				SgemmBatch(heads, false, false, T, hd, T, 1, att, T, T*T, v, hd, T*hd, 0, out, hd, T*hd)
			}
			b.ReportMetric(2*2*float64(heads*T*T*hd)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestParseShape(t *testing.T) {
	for in, want := range map[string]Shape{
		"128":            {M: 128, N: 128, K: 128},
		"768x384x128":    {M: 768, N: 384, K: 128},
		"768x128x384:NT": {M: 768, N: 128, K: 384, TransB: true},
		"2x3x4:tn":       {M: 2, N: 3, K: 4, TransA: true},
		"5:TT":           {M: 5, N: 5, K: 5, TransA: true, TransB: true},
	} {
		got, err := ParseShape(in)
		if err != nil || got != want {
			t.Errorf("ParseShape(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, _ := ParseShape(got.String()); again != got {
			t.Errorf("ParseShape(%q.String()) = %v", got, again)
		}
	}
	for _, bad := range []string{"", "0", "2x3", "axbxc", "2x3x4:XY", "-1x2x3"} {
		if _, err := ParseShape(bad); err == nil {
			t.Errorf("ParseShape(%q) accepted a bad shape", bad)
		}
	}
}

func TestBench(t *testing.T) {
	var out bytes.Buffer
	shapes := []Shape{{M: 17, N: 9, K: 33, TransA: true}, {M: 8, N: 8, K: 8}}
	if err := Bench(&out, BenchOptions{MinTime: 5 * time.Millisecond, Threads: []int{1, 2}}, shapes...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), out.String())
	}
	var r BenchResult
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil {
		t.Fatal(err)
	}
	if r.M != 17 || r.N != 9 || r.K != 33 || r.Trans != "TN" || r.Threads != 2 || !(r.GFlops > 0) || r.Kernel != Kernel() {
		t.Fatalf("unexpected result %+v", r)
	}
	out.Reset()
	if threadCPUClock != nil {
		if err := Bench(&out, BenchOptions{MinTime: 5 * time.Millisecond, CPUClock: true}, Shape{M: 20, N: 20, K: 20}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"clock":"cpu"`) || strings.Count(out.String(), "\n") != 1 {
			t.Fatalf("CPUClock printed %q, want one cpu-clock line", out.String())
		}
		if err := Bench(&out, BenchOptions{CPUClock: true, Threads: []int{2}}, Shape{M: 8, N: 8, K: 8}); err == nil {
			t.Fatal("the CPU clock accepted 2 threads")
		}
	}
	if err := Bench(&out, BenchOptions{MinTime: time.Millisecond}, Shape{M: 0, N: 1, K: 1}); err == nil {
		t.Fatal("Bench accepted an empty shape")
	}
}
