package nn

import (
	"fmt"
	"sort"
	"sync"
)

var (
	backendsMu sync.RWMutex
	backends   = map[string]Backend{}
)

// RegisterBackend makes a backend available to Tensor.To under its Name. The CPU backend is always registered.
func RegisterBackend(b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	backends[b.Name()] = b
}

// Devices lists the names of the registered backends, "cpu" first.
func Devices() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	var names []string
	for n := range backends {
		if n != "cpu" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return append([]string{"cpu"}, names...)
}

// BackendFor returns the backend registered under name, or an error listing the devices there are.
func BackendFor(name string) (Backend, error) {
	backendsMu.RLock()
	b, ok := backends[name]
	backendsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("nn: no device %q (available: %v)", name, Devices())
	}
	return b, nil
}

func init() { RegisterBackend(CPU) }
