package notebook

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/kernel/session"
)

// collector gathers a running cell's outputs in nbformat's shape, the way a Jupyter front end keeps them:
// consecutive stream text is merged, update_display_data replaces the output with the same display id,
// and clear_output empties the cell (at once, or when the next output arrives).
type collector struct {
	mu        sync.Mutex
	outs      []Output
	clearNext bool
}

func (c *collector) add(o Output) {
	if c.clearNext {
		c.outs, c.clearNext = nil, false
	}
	if o.OutputType == "stream" && len(c.outs) > 0 {
		last := &c.outs[len(c.outs)-1]
		if last.OutputType == "stream" && last.Name == o.Name {
			last.Text = splitLines(joinSource(last.Text) + joinSource(o.Text))
			return
		}
	}
	c.outs = append(c.outs, o)
}

// Stream implements session.Output.
func (c *collector) Stream(name, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(Output{OutputType: "stream", Name: name, Text: splitLines(text)})
}

// Display implements session.Output.
func (c *collector) Display(d session.Display) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := Output{OutputType: "display_data", Data: map[string]any(d.Data), Metadata: d.Metadata, displayID: d.ID}
	if d.Update {
		for i := range c.outs {
			if c.outs[i].displayID == d.ID && d.ID != "" {
				c.outs[i].Data, c.outs[i].Metadata = o.Data, o.Metadata
			}
		}
		return // an update of an id no longer shown changes nothing, as in Jupyter
	}
	c.add(o)
}

// Clear implements session.Output.
func (c *collector) Clear(wait bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wait {
		c.clearNext = true
		return
	}
	c.outs = nil
}

// Input implements session.Output: generated notebooks run unattended, so reading standard input fails.
func (c *collector) Input(prompt string, password bool) (string, error) {
	return "", errors.New("notebook: standard input is not available while generating a notebook")
}

func (c *collector) outputs() []Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Output(nil), c.outs...)
}

// extraSymbols are symbol tables added to the session (tests fill it when a table is not generated yet).
var extraSymbols = map[string]map[string]reflect.Value{}

// CellError is a code cell that failed while a notebook was executed.
type CellError struct {
	Name  string // the lesson's file name
	Cell  int    // 1-based cell number
	Line  int    // the line of the cell's first source line in the lesson
	Err   error
	Trace string // the traceback the notebook shows
}

func (e *CellError) Error() string {
	return fmt.Sprintf("%s: cell %d (line %d): %v", e.Name, e.Cell, e.Line, e.Err)
}

func (e *CellError) Unwrap() error { return e.Err }

// Execute runs the code cells of a lesson in one fresh interpreter session, in order, and returns the
// notebook with every code cell's outputs and execution count. name is the lesson's file name, used in
// error positions. On the first failing cell it stops and returns the notebook so far (the failing
// cell holds its error output) together with a *CellError. progress, when not nil, is called before
// each code cell runs.
func Execute(ctx context.Context, name string, cells []Cell, progress func(cell, of int)) (*Notebook, error) {
	return execute(ctx, name, cells, progress, nil)
}

// execute is Execute that, when every cell has run, calls after with the session still open (tests use
// it to inspect the lesson's variables).
func execute(ctx context.Context, name string, cells []Cell, progress func(cell, of int), after func(*session.Session) error) (*Notebook, error) {
	nb := New(cells)
	s, err := session.New(session.Options{Symbols: extraSymbols})
	if err != nil {
		return nb, err
	}
	defer s.Close()
	count, total := 0, 0
	for _, c := range cells {
		if c.Kind == "code" {
			total++
		}
	}
	for i, c := range cells {
		if c.Kind != "code" {
			continue
		}
		count++
		if progress != nil {
			progress(count, total)
		}
		col := &collector{}
		res, err := s.ExecuteSource(ctx, c.Source, col, session.Source{Name: name, Line: c.Line})
		outs := col.outputs()
		n := count
		if err != nil {
			o := Output{OutputType: "error", EName: "error", EValue: err.Error()}
			var se *session.Error
			if errors.As(err, &se) {
				o.EName, o.EValue, o.Traceback = se.Name, se.Value, se.Traceback
			}
			outs = append(outs, o)
			nb.Cells[i].ExecutionCount, nb.Cells[i].Outputs = &n, outs
			return nb, &CellError{Name: name, Cell: i + 1, Line: c.Line, Err: err, Trace: strings.Join(o.Traceback, "\n")}
		}
		if res != nil {
			outs = append(outs, Output{OutputType: "execute_result", Data: map[string]any(res), ExecutionCount: &n})
		}
		nb.Cells[i].ExecutionCount, nb.Cells[i].Outputs = &n, outs
		if ctx.Err() != nil {
			return nb, ctx.Err()
		}
	}
	if after != nil {
		return nb, after(s)
	}
	return nb, nil
}
