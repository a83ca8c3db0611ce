//go:build !amd64

package nn

// softmaxRowSIMD reports false: this architecture has no softmax kernel in assembly yet.
func softmaxRowSIMD(r []float32) bool { return false }
