package terminal

import (
	"bytes"
	"strings"
	"testing"

	"github.com/notmagic/notmagic/kernel/session"
)

func TestOutput(t *testing.T) {
	for _, tty := range []bool{false, true} {
		var out, errs bytes.Buffer
		o := New(&out, &errs, strings.NewReader("typed line\r\nnext"), tty)
		o.Stream("stdout", "printed\n")
		o.Stream("stderr", "warned\n")
		o.Display(session.Display{Data: session.MIMEBundle{"image/png": "…", "text/plain": "[image: a.png]"}})
		o.Display(session.Display{ID: "p", Data: session.MIMEBundle{"text/plain": "step 1"}})
		o.Display(session.Display{ID: "p", Update: true, Data: session.MIMEBundle{"text/plain": "step 2"}})
		o.EndCell()
		o.Result(session.MIMEBundle{"text/markdown": "**done**"})
		o.Error(&session.Error{Name: "panic", Value: "boom", Traceback: []string{"\x1b[31mpanic: boom\x1b[0m"}})
		line, err := o.Input("name? ", false)
		if err != nil || line != "typed line" {
			t.Errorf("tty=%v: Input = %q, %v", tty, line, err)
		}
		want := "printed\n[image: a.png]\nstep 1\nstep 2\n**done**\nname? "
		wantErr := "warned\npanic: boom\n"
		if tty {
			want = "printed\n[image: a.png]\n\r\x1b[Kstep 1\r\x1b[Kstep 2\n**done**\nname? "
			wantErr = "warned\n\x1b[31mpanic: boom\x1b[0m\n"
		}
		if out.String() != want {
			t.Errorf("tty=%v: stdout %q, want %q", tty, out.String(), want)
		}
		if errs.String() != wantErr {
			t.Errorf("tty=%v: stderr %q, want %q", tty, errs.String(), wantErr)
		}
	}
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	if _, err := New(&bytes.Buffer{}, &bytes.Buffer{}, nil, false).Input("?", false); err == nil {
		t.Error("Input without stdin gave no error")
	}
}
