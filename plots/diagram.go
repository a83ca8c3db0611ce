package plots

import (
	"fmt"
	"image/color"
	"math"
	"reflect"
	"sort"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the diagrams: weights and edges by sign, node fill and outline.
var (
	positiveColor = color.NRGBA{R: 0x21, G: 0x66, B: 0xac, A: 0xff} // blue
	negativeColor = color.NRGBA{R: 0xb2, G: 0x18, B: 0x2b, A: 0xff} // red
	nodeFill      = color.NRGBA{R: 0xf7, G: 0xf7, B: 0xf7, A: 0xff}
	nodeLine      = color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xff}
	opFill        = color.NRGBA{R: 0xfd, G: 0xe7, B: 0xb3, A: 0xff}
)

// ---- Network: a layered diagram of a neural network's weights ----

type netBody struct {
	sizes   []int         // neurons per layer
	weights [][][]float64 // weights[i][out][in], from layer i to layer i+1
	names   []string      // one per layer, or nil
	maxAbs  float64
}

// Network draws a neural network as circles in columns, one column per layer, with a line for every
// weight: its thickness shows the weight's size and its colour its sign (blue positive, red negative).
// weights[i] is the matrix from layer i to layer i+1, [out, in] as nn.Linear stores it — a 2-D tensor
// or nested slices — so the layers' sizes follow from the matrices:
//
//	plots.Network("2-3-1 network", hidden.Weight, out.Weight).LayerNames("input", "hidden", "output")
func Network(title string, weights ...any) *Figure {
	b := &netBody{}
	if len(weights) == 0 {
		return newFigure(title, b, fmt.Errorf("no weight matrices given"))
	}
	for i, w := range weights {
		rows, cols, data, err := toMatrix(fmt.Sprintf("weights[%d]", i), w)
		if err != nil {
			return newFigure(title, b, err)
		}
		if err := checkFinite(fmt.Sprintf("weights[%d]", i), data); err != nil {
			return newFigure(title, b, err)
		}
		if i == 0 {
			b.sizes = append(b.sizes, cols)
		} else if cols != b.sizes[i] {
			return newFigure(title, b, fmt.Errorf("weights[%d] is %d×%d, but layer %d has %d neurons (weights[%d] has %d rows): a matrix is [out, in]", i, rows, cols, i, b.sizes[i], i-1, b.sizes[i]))
		}
		if rows > 64 || cols > 64 {
			return newFigure(title, b, fmt.Errorf("weights[%d] is %d×%d: a diagram shows at most 64 neurons per layer", i, rows, cols))
		}
		b.sizes = append(b.sizes, rows)
		m := make([][]float64, rows)
		for r := range m {
			m[r] = data[r*cols : (r+1)*cols]
			for _, v := range m[r] {
				b.maxAbs = math.Max(b.maxAbs, math.Abs(v))
			}
		}
		b.weights = append(b.weights, m)
	}
	return newFigure(title, b, nil)
}

// LayerNames names a network diagram's layers, one name per column, drawn under it.
func (f *Figure) LayerNames(names ...string) *Figure {
	b, ok := f.body.(*netBody)
	if !ok {
		return f.notFor("LayerNames")
	}
	if len(names) != len(b.sizes) && len(b.sizes) > 0 {
		return f.fail("LayerNames", fmt.Errorf("%d names for %d layers", len(names), len(b.sizes)))
	}
	b.names = names
	return f
}

func (*netBody) kind() string { return "network diagram" }

func (b *netBody) summary(*Figure) string {
	s := make([]string, len(b.sizes))
	for i, n := range b.sizes {
		s[i] = fmt.Sprint(n)
	}
	return "layers " + strings.Join(s, "-")
}

func (b *netBody) size(*Figure) (float64, float64) {
	most := 0
	for _, n := range b.sizes {
		most = max(most, n)
	}
	return math.Max(DefaultWidth, 1.8*float64(len(b.sizes))), math.Max(DefaultHeight, math.Min(14, 0.45*float64(most)+1.5))
}

func (b *netBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	c = drawTitle(c, f.title, scale)
	pad := vg.Length(18 * scale)
	label := vg.Length(0)
	if b.names != nil {
		label = vg.Length(16 * scale)
	}
	area := c
	area.Min.X += pad
	area.Max.X -= pad
	area.Min.Y += pad + label
	area.Max.Y -= pad / 2
	most := 0
	for _, n := range b.sizes {
		most = max(most, n)
	}
	colGap := (area.Max.X - area.Min.X) / vg.Length(max(len(b.sizes)-1, 1))
	rowGap := (area.Max.Y - area.Min.Y) / vg.Length(max(most, 1))
	r := vg.Length(math.Min(float64(rowGap)*0.32, float64(colGap)*0.12))
	r = vg.Length(math.Min(float64(r), float64(14*scale)))
	pos := func(layer, i int) vg.Point {
		x := area.Min.X + vg.Length(layer)*colGap
		if len(b.sizes) == 1 {
			x = area.Center().X
		}
		n := b.sizes[layer]
		y := area.Center().Y + (vg.Length(n-1)/2-vg.Length(i))*rowGap
		return vg.Point{X: x, Y: y}
	}
	maxW := b.maxAbs
	if maxW == 0 {
		maxW = 1
	}
	// Weakest first, so that the strong lines are drawn on top.
	type line struct {
		layer, in, out int
		w              float64
	}
	var lines []line
	for l, m := range b.weights {
		for o, row := range m {
			for i, w := range row {
				lines = append(lines, line{l, i, o, w})
			}
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return math.Abs(lines[i].w) < math.Abs(lines[j].w) })
	for _, ln := range lines {
		col := positiveColor
		if ln.w < 0 {
			col = negativeColor
		}
		frac := math.Abs(ln.w) / maxW
		col = fade(col, 0.1+0.9*math.Pow(frac, 1.5)) // weak weights fade, strong ones stand out
		sty := draw.LineStyle{Color: col, Width: vg.Points((0.2 + 3.8*frac) * scale)}
		from, to := pos(ln.layer, ln.in), pos(ln.layer+1, ln.out)
		c.StrokeLine2(sty, from.X+r, from.Y, to.X-r, to.Y)
	}
	for l, n := range b.sizes {
		for i := 0; i < n; i++ {
			drawCircle(c, pos(l, i), r, nodeFill, nodeLine, scale)
		}
		if b.names != nil {
			sty := textStyle(vg.Length(11*scale), false)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
			c.FillText(sty, vg.Point{X: pos(l, 0).X, Y: area.Min.Y - pad/2}, b.names[l])
		}
	}
	return nil
}

// fade mixes c with white: opacity 1 keeps c, 0 gives white. Opaque colours keep PNGs of thousands of
// crossing lines small, where translucent ones would make every crossing a new colour.
func fade(c color.NRGBA, opacity float64) color.NRGBA {
	mix := func(v uint8) uint8 { return uint8(255 - opacity*(255-float64(v))) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

// drawCircle fills and outlines a circle of radius r at p.
func drawCircle(c draw.Canvas, p vg.Point, r vg.Length, fill, line color.Color, scale float64) {
	var path vg.Path
	path.Move(vg.Point{X: p.X + r, Y: p.Y})
	path.Arc(p, r, 0, 2*math.Pi)
	path.Close()
	c.SetColor(fill)
	c.Fill(path)
	c.SetLineStyle(draw.LineStyle{Color: line, Width: vg.Points(0.8 * scale)})
	c.Stroke(path)
}

// ---- Graph: a computation graph with each node's value and gradient ----

// Node is one value of a computation graph for Graph: what it is called, the operation that made it,
// its value and gradient as text, and the nodes it was computed from.
type Node struct {
	Label  string // the value's name, e.g. "w1" or "x·w"; may be empty
	Op     string // the operation that produced it, e.g. "+", "*", "tanh"; empty for an input
	Value  string // the value, formatted ("0.9705", or a tensor's shape and first numbers)
	Grad   string // the gradient of the output with respect to it, formatted; empty when unknown
	Inputs []int  // indices, in the same slice, of the values it was computed from
}

type graphBody struct {
	nodes  []Node
	column []int // depth: 0 for inputs, 1 + the deepest input otherwise
	row    []int // position within its column, top to bottom
	cols   int
	rows   int
}

// Graph draws a computation graph, micrograd style: a box per value (label, value, gradient), a small
// circle for the operation that made it, and arrows from inputs to outputs, inputs on the left.
// nodes is a []plots.Node, or any slice of structs with the same fields (Label, Op, Value, Grad as
// strings or numbers, Inputs as []int), such as the nodes lib/nn's Tensor.Graph returns:
//
//	loss.Backward()
//	plots.Graph("loss = Σ tanh(x·w + b)", loss.Graph())
func Graph(title string, nodes any) *Figure {
	b := &graphBody{}
	ns, err := toNodes(nodes)
	if err != nil {
		return newFigure(title, b, err)
	}
	if len(ns) == 0 {
		return newFigure(title, b, fmt.Errorf("no nodes given"))
	}
	if len(ns) > 200 {
		return newFigure(title, b, fmt.Errorf("%d nodes: a graph drawing shows at most 200", len(ns)))
	}
	b.nodes = ns
	if err := b.layout(); err != nil {
		return newFigure(title, b, err)
	}
	return newFigure(title, b, nil)
}

// toNodes reads a []Node or a slice of structs with Node's field names.
func toNodes(v any) ([]Node, error) {
	if ns, ok := v.([]Node); ok {
		return ns, nil
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("nodes: want a []plots.Node or a slice of structs with Label, Op, Value, Grad and Inputs, got %T", v)
	}
	out := make([]Node, rv.Len())
	for i := range out {
		e := reflect.Indirect(rv.Index(i))
		if e.Kind() != reflect.Struct {
			return nil, fmt.Errorf("nodes[%d]: want a struct with Label, Op, Value, Grad and Inputs, got %s", i, e.Kind())
		}
		text := func(name string) (string, error) {
			f := e.FieldByName(name)
			switch {
			case !f.IsValid():
				return "", nil
			case f.Kind() == reflect.String:
				return f.String(), nil
			case f.CanFloat():
				return fmt.Sprintf("%.4g", f.Float()), nil
			case f.CanInt():
				return fmt.Sprint(f.Int()), nil
			}
			return "", fmt.Errorf("nodes[%d].%s: want a string or a number, got %s", i, name, f.Type())
		}
		var err error
		n := &out[i]
		for _, fld := range []struct {
			name string
			dst  *string
		}{{"Label", &n.Label}, {"Op", &n.Op}, {"Value", &n.Value}, {"Grad", &n.Grad}} {
			if *fld.dst, err = text(fld.name); err != nil {
				return nil, err
			}
		}
		if in := e.FieldByName("Inputs"); in.IsValid() {
			ints, ok := in.Interface().([]int)
			if !ok {
				return nil, fmt.Errorf("nodes[%d].Inputs: want []int, got %s", i, in.Type())
			}
			n.Inputs = ints
		}
	}
	return out, nil
}

// layout puts every computed node in the column after its deepest input and every input in the column
// before its first use; within a column the nodes keep the order given.
func (b *graphBody) layout() error {
	n := len(b.nodes)
	b.column = make([]int, n)
	state := make([]int, n) // 0 new, 1 visiting, 2 done
	var depth func(i int) error
	depth = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("node %d (%q) depends on itself: a computation graph has no cycles", i, b.nodes[i].Label)
		case 2:
			return nil
		}
		state[i] = 1
		for _, j := range b.nodes[i].Inputs {
			if j < 0 || j >= n {
				return fmt.Errorf("node %d (%q) has input %d, outside 0…%d", i, b.nodes[i].Label, j, n-1)
			}
			if err := depth(j); err != nil {
				return err
			}
			b.column[i] = max(b.column[i], b.column[j]+1)
		}
		state[i] = 2
		return nil
	}
	for i := range b.nodes {
		if err := depth(i); err != nil {
			return err
		}
	}
	// An input sits in the column just before the first value computed from it, as in a hand drawing.
	for i, nd := range b.nodes {
		if len(nd.Inputs) > 0 {
			continue
		}
		first := -1
		for j, m := range b.nodes {
			for _, k := range m.Inputs {
				if k == i && (first < 0 || b.column[j] < first) {
					first = b.column[j]
				}
			}
		}
		if first > 0 {
			b.column[i] = first - 1
		}
	}
	for _, c := range b.column {
		b.cols = max(b.cols, c+1)
	}
	b.row = make([]int, n)
	byCol := make([][]int, b.cols)
	for i, c := range b.column {
		byCol[c] = append(byCol[c], i)
	}
	for _, col := range byCol { // the given order: inputs come before what is computed from them
		for r, i := range col {
			b.row[i] = r
		}
	}
	for _, col := range byCol {
		b.rows = max(b.rows, len(col))
	}
	return nil
}

func (*graphBody) kind() string { return "computation graph" }

func (b *graphBody) summary(*Figure) string {
	edges := 0
	for _, n := range b.nodes {
		edges += len(n.Inputs)
	}
	return fmt.Sprintf("%d values, %d edges", len(b.nodes), edges)
}

func (b *graphBody) size(*Figure) (float64, float64) {
	chars := make([]int, b.cols) // the widest box of each column, in characters
	for i, n := range b.nodes {
		chars[b.column[i]] = max(chars[b.column[i]], len([]rune(n.boxText())))
	}
	w := 0.4
	for _, n := range chars {
		w += 0.062*float64(n) + 0.55
	}
	return math.Min(maxInches, math.Max(DefaultWidth, w)), math.Min(maxInches, math.Max(3, 0.8*float64(b.rows)+1.2))
}

// boxText is a node's box: its label, value and gradient.
func (n Node) boxText() string {
	parts := []string{}
	if n.Label != "" {
		parts = append(parts, n.Label)
	}
	parts = append(parts, "data "+n.Value)
	if n.Grad != "" {
		parts = append(parts, "grad "+n.Grad)
	}
	return strings.Join(parts, " │ ")
}

func (b *graphBody) draw(f *Figure, c draw.Canvas, vector bool) error {
	scale := f.fontScale()
	c = drawTitle(c, f.title, scale)
	pad := vg.Length(10 * scale)
	area := c
	area.Min.X += pad
	area.Max.X -= pad
	area.Min.Y += pad
	area.Max.Y -= pad
	sty := textStyle(vg.Length(9*scale), false)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	opR := vg.Length(11 * scale)
	gap := vg.Length(14 * scale)
	// Each column is as wide as its widest box plus room for the operation circles; the text shrinks
	// until all columns fit.
	colWidths := func() ([]vg.Length, vg.Length) {
		ws := make([]vg.Length, b.cols)
		for i, n := range b.nodes {
			w := sty.Rectangle(n.boxText()).Size().X + 10*vg.Length(scale) + 3*opR + gap
			ws[b.column[i]] = max(ws[b.column[i]], w)
		}
		total := vg.Length(0)
		for _, w := range ws {
			total += w
		}
		return ws, total
	}
	ws, total := colWidths()
	if room := area.Max.X - area.Min.X; total > room {
		sty.Font.Size = vg.Length(math.Max(4, float64(sty.Font.Size)*float64(room/total)))
		opR = vg.Length(math.Max(5, float64(opR)*float64(room/total)))
		ws, total = colWidths()
	}
	left := make([]vg.Length, b.cols)
	x := area.Min.X + (area.Max.X-area.Min.X-total)/2
	for col, w := range ws {
		left[col] = x
		x += w
	}
	rowH := (area.Max.Y - area.Min.Y) / vg.Length(b.rows)
	inCol := make([]int, b.cols)
	for _, col := range b.column {
		inCol[col]++
	}
	boxH := sty.Rectangle("Xg").Size().Y + 8*vg.Length(scale)
	width := func(i int) vg.Length { return sty.Rectangle(b.nodes[i].boxText()).Size().X + 10*vg.Length(scale) }
	// box returns node i's box: left edge, right edge and centre height.
	box := func(i int) (vg.Length, vg.Length, vg.Length) {
		col := b.column[i]
		y := area.Center().Y + (vg.Length(inCol[col]-1)/2-vg.Length(b.row[i]))*rowH
		l := left[col] + 3*opR
		return l, l + width(i), y
	}
	edge := draw.LineStyle{Color: nodeLine, Width: vg.Points(0.8 * scale)}
	for i, n := range b.nodes {
		l, _, y := box(i)
		target := vg.Point{X: l, Y: y}
		if n.Op != "" {
			op := vg.Point{X: l - 1.5*opR, Y: y}
			c.StrokeLine2(edge, op.X+opR, y, l, y)
			arrowHead(c, target, edge)
			target = vg.Point{X: op.X - opR, Y: y}
		}
		for _, j := range n.Inputs {
			_, r, yj := box(j)
			c.StrokeLine2(edge, r, yj, target.X, target.Y)
			if n.Op == "" {
				arrowHead(c, target, edge)
			}
		}
	}
	for i, n := range b.nodes {
		l, r, y := box(i)
		rect := []vg.Point{{X: l, Y: y - boxH/2}, {X: r, Y: y - boxH/2}, {X: r, Y: y + boxH/2}, {X: l, Y: y + boxH/2}}
		c.FillPolygon(nodeFill, rect)
		c.StrokeLines(edge, append(rect, rect[0]))
		c.FillText(sty, vg.Point{X: (l + r) / 2, Y: y}, n.boxText())
		if n.Op != "" {
			op := vg.Point{X: l - 1.5*opR, Y: y}
			drawCircle(c, op, opR, opFill, nodeLine, scale)
			osty := sty
			osty.Font.Size = opR
			if k := len([]rune(n.Op)); k > 2 {
				osty.Font.Size = vg.Length(math.Max(4, float64(opR)*2.6/float64(k)))
			}
			c.FillText(osty, op, n.Op)
		}
	}
	return nil
}

// arrowHead draws a small arrow head pointing right, ending at p.
func arrowHead(c draw.Canvas, p vg.Point, sty draw.LineStyle) {
	s := 3 * sty.Width
	c.FillPolygon(sty.Color, []vg.Point{p, {X: p.X - 2*s, Y: p.Y + s}, {X: p.X - 2*s, Y: p.Y - s}})
}
