//go:build !amd64

package nn

// softmaxRowSIMD reports false: this architecture has no softmax kernel in assembly yet.
func softmaxRowSIMD(r []float32) bool { return false }

// softmaxGradRowSIMD reports false: this architecture has no softmax kernel in assembly yet.
func softmaxGradRowSIMD(p, d []float32, scale float32) bool { return false }
