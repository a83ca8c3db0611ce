package nn

// FromPoints returns the points (rows of float64 coordinates, as plots.Scatter takes them) as a
// [len(points), dims] tensor.
func FromPoints(points [][]float64) *Tensor {
	if len(points) == 0 {
		return Zeros(0, 0)
	}
	dims := len(points[0])
	data := make([]float32, 0, len(points)*dims)
	for i, p := range points {
		if len(p) != dims {
			fail("frompoints", nil, "point %d has %d coordinates, point 0 has %d", i, len(p), dims)
		}
		for _, v := range p {
			data = append(data, float32(v))
		}
	}
	return New(data, len(points), dims)
}

// Classify turns a classifier of 2-D points (a model from [n, 2] coordinates to [n, classes] logits)
// into the function plots' decision boundaries ask for: the class each point (xs[i], ys[i]) gets, as a
// float64. The model runs once per call, on all points, without recording gradients.
func Classify(model func(x *Tensor) *Tensor) func(xs, ys []float64) []float64 {
	return func(xs, ys []float64) []float64 {
		if len(xs) != len(ys) {
			fail("classify", nil, "%d x coordinates and %d y coordinates", len(xs), len(ys))
		}
		pts := make([]float32, 0, 2*len(xs))
		for i := range xs {
			pts = append(pts, float32(xs[i]), float32(ys[i]))
		}
		var classes []int
		NoGrad(func() { classes = model(New(pts, len(xs), 2)).ArgMaxes() })
		out := make([]float64, len(classes))
		for i, c := range classes {
			out[i] = float64(c)
		}
		return out
	}
}
