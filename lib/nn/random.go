package nn

import (
	"math/rand/v2"
	"sync"
)

// lockedRand is the package's one random generator: seedable, so results are reproducible.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

var rng = &lockedRand{r: rand.New(rand.NewPCG(0x6e6f746d, 0x61676963))}

func (l *lockedRand) Float32() float32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float32()
}

func (l *lockedRand) Uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Uint64()
}

func (l *lockedRand) fill(dst []float32, f func(r *rand.Rand) float32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range dst {
		dst[i] = f(l.r)
	}
}

// Seed resets the package's random generator, making Rand, Randn, Dropout and sampling reproducible.
func Seed(seed uint64) {
	rng.mu.Lock()
	defer rng.mu.Unlock()
	rng.r = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// RandInt returns a random integer in [0, n) from the package's generator.
func RandInt(n int) int {
	if n <= 0 {
		fail("randint", nil, "n = %d must be positive", n)
	}
	rng.mu.Lock()
	defer rng.mu.Unlock()
	return rng.r.IntN(n)
}

// Uniform returns a tensor of values drawn uniformly from [lo, hi).
func Uniform(lo, hi float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	rng.fill(host(t.buf), func(r *rand.Rand) float32 { return lo + (hi-lo)*r.Float32() })
	return t
}

// Rand returns a tensor of values drawn uniformly from [0, 1).
func Rand(shape ...int) *Tensor { return Uniform(0, 1, shape...) }

// Normal returns a tensor of values drawn from a normal distribution with the given mean and standard deviation.
func Normal(mean, std float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	rng.fill(host(t.buf), func(r *rand.Rand) float32 { return mean + std*float32(r.NormFloat64()) })
	return t
}

// Randn returns a tensor of standard normal values.
func Randn(shape ...int) *Tensor { return Normal(0, 1, shape...) }
