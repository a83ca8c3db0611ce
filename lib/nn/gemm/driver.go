package gemm

import "unsafe"

// kernel is a micro-kernel with the block sizes the driver uses around it.
//
// The driver is GotoBLAS/BLIS-style: for each nc-wide block of columns of C and each kc-deep
// slice of k it packs op(B) into kc×nr micro-panels (zero-padded), for each mc-tall block of rows
// it packs op(A) into mr×kc micro-panels, then calls micro on every mr×nr tile of C. Packing reads
// the operands through the strides and transposes, so transposed operands are never copied.
// Because micro also takes strides, full strips are mostly not packed at all but read in place
// (see serial); only edge strips, transposed B and widely strided B are packed.
type kernel struct {
	name       string
	mr, nr     int // register tile of C
	mc, kc, nc int // cache blocks: rows of A, depth, columns of B
	// micro computes C[0:mr, 0:nr] (row stride ldc) = alpha·A·B + beta·C for an mr×k A with
	// A(i, q) = a[i·ra + q·sa] and a k×nr B with B(q, j) = b[q·sb + j]. A packed micro-panel has
	// ra = 1, sa = mr; A read in place has (lda, 1), or (1, lda) when transposed. A packed B
	// micro-panel has sb = nr; B read in place has sb = ldb. beta == 0 (either sign) must not
	// read C.
	micro func(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)
	// half, when not nil, is micro for the first nr/2 columns only, used on edge strips that
	// narrow: it does half the work.
	half func(k int, a *float32, ra, sa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32)
	// packBT, when not nil, packs one full nr-column strip of a transposed B: dst[q·nr + j] =
	// src[j·ldb + q] for j < nr, q < kb. It reports false when it cannot (then Go does it).
	packBT func(dst, src []float32, ldb, kb int) bool
}

// workspace holds the pack buffers of one goroutine; they grow to the largest blocks seen and are
// reused, so steady-state calls allocate nothing.
type workspace struct {
	apack, bpack, tile []float32
}

// aligned returns a slice of n float32 starting on a 64-byte boundary, reusing buf when it is big
// enough.
func aligned(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&raw[0])) & 63; r != 0 {
		off = int(64-r) / 4
	}
	return raw[off : off+n : off+n]
}

// inPlace lets serial read full strips of A and B from the operands instead of packing them;
// tests turn it off to exercise the packed paths on every shape.
var inPlace = true

// spare holds the workspaces of callers that run products on their own goroutine. Unlike a
// sync.Pool it is not emptied by the garbage collector, so the pack buffers survive.
var spare = make(chan *workspace, 16)

func getWorkspace() *workspace {
	select {
	case ws := <-spare:
		return ws
	default:
		return new(workspace)
	}
}

func putWorkspace(ws *workspace) {
	select {
	case spare <- ws:
	default: // more concurrent callers than slots: let this one go
	}
}

// serial runs one product on the calling goroutine with the given kernel and workspace.
func serial(p *problem, kern *kernel, ws *workspace) {
	m, n, k := p.m, p.n, p.k
	if m == 0 || n == 0 {
		return
	}
	if p.alpha == 0 || k == 0 {
		scaleC(p)
		return
	}
	mr, nr := kern.mr, kern.nr
	// Full strips of A are read in place (the kernel takes A's strides): packing them cost more
	// than the strided reads save, measured on every benchmark shape (PERF.md). B is read in place
	// when it is not transposed, unless its rows are 4 KiB or more apart and many row strips share
	// each panel: then the contiguous packed panel is worth its copy (1024³ ran 17% faster).
	directA := inPlace
	directB := inPlace && !p.transB && (p.ldb < 1024 || m <= 96)
	kc := min(kern.kc, k)
	nc := min(kern.nc, roundUp(n, nr))
	mc := min(kern.mc, roundUp(m, mr))
	ws.apack = aligned(ws.apack, mc*kc)
	ws.bpack = aligned(ws.bpack, kc*nc)
	ws.tile = aligned(ws.tile, mr*nr)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			bFrom := 0 // first column strip to pack; the full ones before it are read in place
			if directB {
				bFrom = nb / nr * nr
			}
			packB(ws.bpack, p, pc, kb, jc, nb, nr, bFrom, kern.packBT)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				aFrom := 0
				if directA {
					aFrom = mb / mr * mr
				}
				packA(ws.apack, p, ic, mb, pc, kb, mr, aFrom)
				macro(p, kern, ws, ic, mb, jc, nb, pc, kb, beta, aFrom, bFrom)
			}
		}
	}
}

// macro multiplies the mb×kb block of op(A) at (ic, pc) by the kb×nb block of op(B) at (pc, jc)
// into C[ic:, jc:]. Row strips of A from aFrom on and column strips of B from bFrom on are
// packed in ws; the ones before are read in place.
func macro(p *problem, kern *kernel, ws *workspace, ic, mb, jc, nb, pc, kb int, beta float32, aFrom, bFrom int) {
	mr, nr := kern.mr, kern.nr
	micro, half := kern.micro, kern.half
	c, ldc, alpha := p.c, p.ldc, p.alpha
	tile := ws.tile
	// In-place strides of A: row stride ra, step stride sa.
	ra, sa := p.lda, 1
	if p.transA {
		ra, sa = 1, p.lda
	}
	for jr := 0; jr < nb; jr += nr {
		nn := min(nr, nb-jr)
		var bp *float32
		sb := nr
		if jr < bFrom {
			bp, sb = &p.b[pc*p.ldb+jc+jr], p.ldb
		} else {
			bp = &ws.bpack[jr*kb]
		}
		for ir := 0; ir < mb; ir += mr {
			mm := min(mr, mb-ir)
			var ap *float32
			ras, sas := 1, mr
			if ir < aFrom {
				ras, sas = ra, sa
				if p.transA {
					ap = &p.a[pc*p.lda+ic+ir]
				} else {
					ap = &p.a[(ic+ir)*p.lda+pc]
				}
			} else {
				ap = &ws.apack[ir*kb]
			}
			off := (ic+ir)*ldc + jc + jr
			if mm == mr && nn == nr {
				micro(kb, ap, ras, sas, bp, sb, &c[off], ldc, alpha, beta)
				continue
			}
			f := micro
			if half != nil && nn <= nr/2 {
				if mm == mr && nn == nr/2 {
					half(kb, ap, ras, sas, bp, sb, &c[off], ldc, alpha, beta)
					continue
				}
				f = half
			}
			// Edge tile: compute the padded tile aside (row stride nr), then merge the valid part.
			f(kb, ap, ras, sas, bp, sb, &tile[0], nr, 1, 0)
			for i := 0; i < mm; i++ {
				row := c[off+i*ldc : off+i*ldc+nn]
				t := tile[i*nr : i*nr+nn]
				if beta == 0 {
					for j := range row {
						row[j] = alpha * t[j]
					}
				} else {
					for j := range row {
						row[j] = alpha*t[j] + beta*row[j]
					}
				}
			}
		}
	}
}

// scaleC sets C = beta·C (C = 0 when beta == 0, whatever C held).
func scaleC(p *problem) {
	for i := 0; i < p.m; i++ {
		row := p.c[i*p.ldc : i*p.ldc+p.n]
		if p.beta == 0 {
			clear(row)
			continue
		}
		if p.beta == 1 {
			continue
		}
		for j := range row {
			row[j] *= p.beta
		}
	}
}

// packA packs op(A)[ic:ic+mb, pc:pc+kb] into mr-row micro-panels: panel s holds, for each
// depth step, the mr values of rows s·mr.. (zero past mb).
// Strips before row from are skipped (they are read in place).
func packA(dst []float32, p *problem, ic, mb, pc, kb, mr, from int) {
	a, lda := p.a, p.lda
	for s := from; s < mb; s += mr {
		rows := min(mr, mb-s)
		panel := dst[s*kb : s*kb+kb*mr]
		if p.transA {
			// op(A)(i, q) = a[q*lda + i]: each depth step is contiguous in memory.
			for q := 0; q < kb; q++ {
				src := a[(pc+q)*lda+ic+s:]
				d := panel[q*mr : q*mr+mr]
				copy(d[:rows], src[:rows])
				clear(d[rows:])
			}
			continue
		}
		// op(A)(i, q) = a[i*lda + q]: walk each row, scatter with stride mr.
		for i := 0; i < rows; i++ {
			src := a[(ic+s+i)*lda+pc : (ic+s+i)*lda+pc+kb]
			for q, v := range src {
				panel[q*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for q := 0; q < kb; q++ {
				panel[q*mr+i] = 0
			}
		}
	}
}

// packB packs op(B)[pc:pc+kb, jc:jc+nb] into nr-column micro-panels: panel s holds, for each
// depth step, the nr values of columns s·nr.. (zero past nb).
// Strips before column from are skipped (they are read in place).
func packB(dst []float32, p *problem, pc, kb, jc, nb, nr, from int, packBT func(dst, src []float32, ldb, kb int) bool) {
	b, ldb := p.b, p.ldb
	for s := from; s < nb; s += nr {
		cols := min(nr, nb-s)
		panel := dst[s*kb : s*kb+kb*nr]
		if !p.transB {
			// op(B)(q, j) = b[q*ldb + j]: each depth step is contiguous in memory.
			for q := 0; q < kb; q++ {
				src := b[(pc+q)*ldb+jc+s:]
				d := panel[q*nr : q*nr+nr]
				copy(d[:cols], src[:cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)(q, j) = b[j*ldb + q]: walk each stored row, scatter with stride nr.
		if cols == nr && packBT != nil && packBT(panel, b[(jc+s)*ldb+pc:], ldb, kb) {
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(jc+s+j)*ldb+pc : (jc+s+j)*ldb+pc+kb]
			for q, v := range src {
				panel[q*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for q := 0; q < kb; q++ {
				panel[q*nr+j] = 0
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
