//go:build !unix && !windows

package cli

// peakRSSMB returns 0 where the peak resident set size is not available.
func peakRSSMB() float64 { return 0 }
