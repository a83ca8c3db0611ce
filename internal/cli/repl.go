package cli

import (
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/notmagic/notmagic/kernel/repl"
)

// replCmd is `notmagic repl [--out DIR] [--history FILE]`: line editing when standard input and output
// are a terminal, plain lines otherwise.
func replCmd(s Streams, args []string) error {
	fs := newFlags(s, "repl", "usage: notmagic repl [--out DIR] [--history FILE]")
	out := fs.String("out", filepath.Join("out", "repl"), "folder for images")
	hist := fs.String("history", defaultHistory(), "history file (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := repl.Config{ImageDir: *out, HistoryFile: *hist, In: s.In, Out: s.Out, Err: s.Err}
	in, inOK := s.In.(*os.File)
	out2, outOK := s.Out.(*os.File)
	if inOK && outOK && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out2.Fd())) {
		cfg.TerminalFD = int(in.Fd())
		cfg.Terminal = true
	}
	return repl.Run(cfg)
}

// defaultHistory is $XDG_STATE_HOME/notmagic/repl_history (~/.local/state/… when unset).
func defaultHistory() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "notmagic", "repl_history")
}
