package jupyter_test

import (
	"fmt"

	"github.com/notmagic/notmagic/kernel/jupyter"
)

// Messages are signed with the connection file's key; a changed message no longer verifies.
func ExampleParseMessage() {
	signer := jupyter.NewSigner([]byte("secret key from the connection file"))
	m := &jupyter.Message{
		RawHeader: []byte(`{"msg_id":"1","msg_type":"kernel_info_request","session":"s","username":"u","date":"","version":"5.4"}`),
		Content:   []byte(`{}`),
	}
	frames, _ := m.Frames(signer)
	got, err := jupyter.ParseMessage(frames, signer)
	fmt.Println(got.Header.MsgType, err)

	frames[len(frames)-1] = []byte(`{"tampered":true}`)
	_, err = jupyter.ParseMessage(frames, signer)
	fmt.Println(err)
	// Output:
	// kernel_info_request <nil>
	// bad or missing message signature
}

// A connection file names the transport, the address and five ports.
func ExampleParseConnectionInfo() {
	ci, err := jupyter.ParseConnectionInfo([]byte(`{"transport": "tcp", "ip": "127.0.0.1", "shell_port": 50001,
		"control_port": 50002, "stdin_port": 50003, "iopub_port": 50004, "hb_port": 50005,
		"key": "a0436f6c-1916-498b-8eb9-e81ab9368e84", "signature_scheme": "hmac-sha256"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ci.Endpoint(ci.ShellPort), ci.Endpoint(ci.HBPort))
	// Output: tcp://127.0.0.1:50001 tcp://127.0.0.1:50005
}
