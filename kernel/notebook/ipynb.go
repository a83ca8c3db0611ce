package notebook

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Notebook is an nbformat 4.5 document.
type Notebook struct {
	Cells         []NBCell       `json:"cells"`
	Metadata      map[string]any `json:"metadata"`
	NBFormat      int            `json:"nbformat"`
	NBFormatMinor int            `json:"nbformat_minor"`
}

// NBCell is one notebook cell. Outputs and ExecutionCount are present on code cells only.
type NBCell struct {
	CellType       string         `json:"cell_type"`
	ExecutionCount *int           `json:"execution_count,omitempty"`
	ID             string         `json:"id"`
	Metadata       map[string]any `json:"metadata"`
	Outputs        []Output       `json:"outputs,omitempty"`
	Source         []string       `json:"source"`
}

// Output is one output of a code cell, in nbformat's shape.
type Output struct {
	OutputType     string         `json:"output_type"`
	Name           string         `json:"name,omitempty"`            // stream
	Text           []string       `json:"text,omitempty"`            // stream
	Data           map[string]any `json:"data,omitempty"`            // display_data, execute_result
	Metadata       map[string]any `json:"metadata,omitempty"`        // display_data, execute_result
	ExecutionCount *int           `json:"execution_count,omitempty"` // execute_result
	EName          string         `json:"ename,omitempty"`           // error
	EValue         string         `json:"evalue,omitempty"`          // error
	Traceback      []string       `json:"traceback,omitempty"`       // error

	displayID string // display_id of display_data, for updates; not stored
}

// MarshalJSON writes nbformat's required keys for each kind of output.
func (o Output) MarshalJSON() ([]byte, error) {
	m := map[string]any{"output_type": o.OutputType}
	switch o.OutputType {
	case "stream":
		m["name"], m["text"] = o.Name, nonNil(o.Text)
	case "display_data", "execute_result":
		m["data"] = o.Data
		if o.Metadata == nil {
			m["metadata"] = map[string]any{}
		} else {
			m["metadata"] = o.Metadata
		}
		if o.OutputType == "execute_result" {
			m["execution_count"] = o.ExecutionCount
		}
	case "error":
		m["ename"], m["evalue"], m["traceback"] = o.EName, o.EValue, nonNil(o.Traceback)
	}
	return json.Marshal(m)
}

// MarshalJSON writes a code cell's execution_count and outputs even when they are null or empty, as
// nbformat requires, and leaves them out of markdown cells.
func (c NBCell) MarshalJSON() ([]byte, error) {
	m := map[string]any{"cell_type": c.CellType, "id": c.ID, "metadata": c.Metadata, "source": nonNil(c.Source)}
	if m["metadata"] == nil || len(c.Metadata) == 0 {
		m["metadata"] = map[string]any{}
	}
	if c.CellType == "code" {
		m["execution_count"] = c.ExecutionCount
		outs := c.Outputs
		if outs == nil {
			outs = []Output{}
		}
		m["outputs"] = outs
	}
	return json.Marshal(m)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// splitLines splits text into nbformat's list of lines, each keeping its "\n".
func splitLines(s string) []string {
	if s == "" {
		return []string{}
	}
	parts := strings.SplitAfter(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// joinSource returns a cell's source as one string.
func joinSource(src []string) string { return strings.Join(src, "") }

// KernelSpec is the kernelspec named in generated notebooks' metadata.
var KernelSpec = map[string]any{"name": "notmagic", "display_name": "Go (notmagic)", "language": "go"}

// New returns an unexecuted notebook holding cells.
func New(cells []Cell) *Notebook {
	nb := &Notebook{
		Metadata: map[string]any{
			"kernelspec": KernelSpec,
			"language_info": map[string]any{
				"name": "go", "file_extension": ".go", "mimetype": "text/x-go",
				"codemirror_mode": "go", "pygments_lexer": "go",
			},
		},
		NBFormat: 4, NBFormatMinor: 5,
	}
	for i, c := range cells {
		nb.Cells = append(nb.Cells, NBCell{
			CellType: c.Kind,
			ID:       fmt.Sprintf("cell-%02d", i+1),
			Metadata: map[string]any{},
			Source:   splitLines(c.Source),
		})
	}
	return nb
}

// Marshal returns the notebook as indented JSON with a final newline, the form Jupyter writes.
func (nb *Notebook) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadNotebook reads an .ipynb file.
func ReadNotebook(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("%s: not a notebook: %v", path, err)
	}
	if nb.NBFormat != 4 {
		return nil, fmt.Errorf("%s: nbformat %d, want 4", path, nb.NBFormat)
	}
	return &nb, nil
}

// UnmarshalJSON reads an output, accepting text given as one string or a list of lines.
func (o *Output) UnmarshalJSON(b []byte) error {
	var raw struct {
		OutputType     string          `json:"output_type"`
		Name           string          `json:"name"`
		Text           json.RawMessage `json:"text"`
		Data           map[string]any  `json:"data"`
		Metadata       map[string]any  `json:"metadata"`
		ExecutionCount *int            `json:"execution_count"`
		EName          string          `json:"ename"`
		EValue         string          `json:"evalue"`
		Traceback      []string        `json:"traceback"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*o = Output{OutputType: raw.OutputType, Name: raw.Name, Data: raw.Data, Metadata: raw.Metadata,
		ExecutionCount: raw.ExecutionCount, EName: raw.EName, EValue: raw.EValue, Traceback: raw.Traceback}
	if len(raw.Text) > 0 {
		lines, err := stringOrLines(raw.Text)
		if err != nil {
			return err
		}
		o.Text = lines
	}
	return nil
}

// UnmarshalJSON reads a cell, accepting a source given as one string or a list of lines.
func (c *NBCell) UnmarshalJSON(b []byte) error {
	var raw struct {
		CellType       string          `json:"cell_type"`
		ExecutionCount *int            `json:"execution_count"`
		ID             string          `json:"id"`
		Metadata       map[string]any  `json:"metadata"`
		Outputs        []Output        `json:"outputs"`
		Source         json.RawMessage `json:"source"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	src, err := stringOrLines(raw.Source)
	if err != nil {
		return err
	}
	*c = NBCell{CellType: raw.CellType, ExecutionCount: raw.ExecutionCount, ID: raw.ID, Metadata: raw.Metadata,
		Outputs: raw.Outputs, Source: src}
	return nil
}

func stringOrLines(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return splitLines(s), nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("source/text: want a string or a list of strings")
	}
	return lines, nil
}

// Sources returns each cell's kind and source text, the part of a notebook that must match its lesson.
func (nb *Notebook) Sources() []Cell {
	var out []Cell
	for _, c := range nb.Cells {
		out = append(out, Cell{Kind: c.CellType, Source: joinSource(c.Source)})
	}
	return out
}

// SameSources reports, as an error naming the first difference, whether the notebook's cells have the
// kinds and sources of the lesson's cells.
func SameSources(lesson []Cell, nb *Notebook) error {
	got := nb.Sources()
	for i := 0; i < len(lesson) && i < len(got); i++ {
		if lesson[i].Kind != got[i].Kind {
			return fmt.Errorf("cell %d: lesson has a %s cell, notebook a %s cell", i+1, lesson[i].Kind, got[i].Kind)
		}
		if lesson[i].Source != got[i].Source {
			return fmt.Errorf("cell %d (lesson line %d): sources differ", i+1, lesson[i].Line)
		}
	}
	if len(lesson) != len(got) {
		return fmt.Errorf("lesson has %d cells, notebook %d", len(lesson), len(got))
	}
	return nil
}
