package gemm

import (
	"testing"
)

// TestPackBT32 compares the AVX-512 transposed-B packing (16×16 register transposes plus gathers
// for the remainder) with its definition, for depths around the 16-step blocks.
func TestPackBT32(t *testing.T) {
	if !hasAVX512() {
		t.Skip("no AVX-512")
	}
	for _, ldb := range []int{40, 97} {
		for kb := 1; kb <= 40; kb++ {
			src := make([]float32, 32*ldb)
			for i := range src {
				src[i] = float32(i)
			}
			dst := make([]float32, 32*kb+1)
			dst[32*kb] = -1 // sentinel past the end
			if !packBT32(dst[:32*kb], src, ldb, kb) {
				t.Fatalf("ldb %d kb %d: refused", ldb, kb)
			}
			for q := 0; q < kb; q++ {
				for j := 0; j < 32; j++ {
					if got, want := dst[q*32+j], src[j*ldb+q]; got != want {
						t.Fatalf("ldb %d kb %d: dst[%d·32+%d] = %g, want %g", ldb, kb, q, j, got, want)
					}
				}
			}
			if dst[32*kb] != -1 {
				t.Fatalf("ldb %d kb %d: wrote past the end", ldb, kb)
			}
		}
	}
}

// TestPackBT16 does the same for the AVX2 packing (8×8 transposes plus a Go tail).
func TestPackBT16(t *testing.T) {
	if !hasAVX2() {
		t.Skip("no AVX2")
	}
	for _, ldb := range []int{24, 53} {
		for kb := 1; kb <= 20; kb++ {
			src := make([]float32, 16*ldb)
			for i := range src {
				src[i] = float32(i)
			}
			dst := make([]float32, 16*kb+1)
			dst[16*kb] = -1
			if !packBT16(dst[:16*kb], src, ldb, kb) {
				t.Fatalf("ldb %d kb %d: refused", ldb, kb)
			}
			for q := 0; q < kb; q++ {
				for j := 0; j < 16; j++ {
					if got, want := dst[q*16+j], src[j*ldb+q]; got != want {
						t.Fatalf("ldb %d kb %d: dst[%d·16+%d] = %g, want %g", ldb, kb, q, j, got, want)
					}
				}
			}
			if dst[16*kb] != -1 {
				t.Fatalf("ldb %d kb %d: wrote past the end", ldb, kb)
			}
		}
	}
}
