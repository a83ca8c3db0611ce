//go:build race

package nn

// raceEnabled is set under the race detector, where sync.Pool drops a share of what it is given on
// purpose (so allocation counts mean nothing).
const raceEnabled = true
