// Package gonum holds yaegi symbol tables for gonum (numerics) and gonum/plot (figures), generated with
// `yaegi extract` like the project's own tables. The session does not load them at start-up: a table is
// handed to the interpreter the first time a cell imports its package, so a session that never touches
// gonum pays nothing for it. Regenerate with
//
//	go generate ./kernel/...
package gonum

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -name gonum gonum.org/v1/gonum/mat gonum.org/v1/gonum/stat gonum.org/v1/gonum/floats gonum.org/v1/gonum/stat/distuv gonum.org/v1/gonum/optimize gonum.org/v1/gonum/mathext gonum.org/v1/plot gonum.org/v1/plot/plotter gonum.org/v1/plot/vg gonum.org/v1/plot/vg/draw gonum.org/v1/plot/plotutil gonum.org/v1/plot/vg/vgimg gonum.org/v1/plot/vg/vgsvg gonum.org/v1/plot/palette gonum.org/v1/plot/font

// Symbols maps "importpath/pkgname" to the exported symbols of each package, the form interp.Use takes.
var Symbols = map[string]map[string]reflect.Value{}
