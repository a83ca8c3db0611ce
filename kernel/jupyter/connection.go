package jupyter

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
)

// ConnectionInfo is the content of a Jupyter connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and validates a connection file.
func ReadConnectionFile(path string) (*ConnectionInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("connection file: %w", err)
	}
	ci, err := ParseConnectionInfo(b)
	if err != nil {
		return nil, fmt.Errorf("connection file %s: %w", path, err)
	}
	return ci, nil
}

// ParseConnectionInfo parses and validates the JSON of a connection file. Missing transport means tcp,
// missing signature_scheme means hmac-sha256; any other scheme, a bad address or a bad port is an error.
func ParseConnectionInfo(b []byte) (*ConnectionInfo, error) {
	var ci ConnectionInfo
	if err := json.Unmarshal(b, &ci); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = "hmac-sha256"
	}
	if ci.SignatureScheme != "hmac-sha256" {
		return nil, fmt.Errorf("unsupported signature_scheme %q (only hmac-sha256)", ci.SignatureScheme)
	}
	switch ci.Transport {
	case "tcp":
		if ci.IP == "" {
			ci.IP = "127.0.0.1"
		}
		if net.ParseIP(ci.IP) == nil {
			return nil, fmt.Errorf("ip %q is not an IP address", ci.IP)
		}
		for name, p := range ci.ports() {
			if p <= 0 || p > 65535 {
				return nil, fmt.Errorf("%s %d out of range 1..65535", name, p)
			}
		}
	case "ipc":
		if ci.IP == "" {
			return nil, fmt.Errorf("ipc transport needs ip (the socket path prefix)")
		}
		for name, p := range ci.ports() {
			if p < 0 {
				return nil, fmt.Errorf("%s %d is negative", name, p)
			}
		}
	default:
		return nil, fmt.Errorf("unsupported transport %q (tcp or ipc)", ci.Transport)
	}
	seen := map[int]string{}
	for name, p := range ci.ports() {
		if other, dup := seen[p]; dup {
			return nil, fmt.Errorf("%s and %s are both %d", name, other, p)
		}
		seen[p] = name
	}
	return &ci, nil
}

func (ci *ConnectionInfo) ports() map[string]int {
	return map[string]int{
		"shell_port": ci.ShellPort, "control_port": ci.ControlPort, "stdin_port": ci.StdinPort,
		"iopub_port": ci.IOPubPort, "hb_port": ci.HBPort,
	}
}

// Endpoint returns the ZeroMQ endpoint for port: tcp://IP:PORT, or ipc://IP-PORT as jupyter_client names
// ipc sockets.
func (ci *ConnectionInfo) Endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", ci.IP, port)
	}
	return "tcp://" + net.JoinHostPort(ci.IP, fmt.Sprint(port))
}
