// Command gemmbench prints lib/nn/gemm's GFLOP/s as JSON lines; it is gemm.BenchMain as a
// program, for compare.py and for machines without the notmagic binary.
//
//	go run ./lib/nn/gemm/cmd/gemmbench [-threads 1,2] [-time 0.5s] [N | MxNxK[:NN|NT|TN|TT] ...]
package main

import (
	"fmt"
	"os"

	"github.com/notmagic/notmagic/lib/nn/gemm"
)

func main() {
	if err := gemm.BenchMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gemmbench:", err)
		os.Exit(2)
	}
}
