// Package symbols holds the yaegi symbol tables through which interpreted cells reach compiled packages:
// the standard library (from yaegi's stdlib package) and the project's own libraries, generated with
// `yaegi extract`. Regenerate every table with
//
//	go generate ./kernel/...
//
// Generic functions and types are skipped by yaegi extract; the libraries export concrete functions.
package symbols

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -name symbols github.com/notmagic/notmagic/lib/nn github.com/notmagic/notmagic/lib/nn/gemm github.com/notmagic/notmagic/plots github.com/notmagic/notmagic/kernel/display github.com/notmagic/notmagic/kernel/widgets github.com/notmagic/notmagic/lib/gpu

// Symbols maps "importpath/pkgname" to the exported symbols of each generated package, the form
// interp.Use takes.
var Symbols = map[string]map[string]reflect.Value{}

// Packages lists the import paths whose tables this package is meant to hold, in the order the
// go:generate line names them; a path missing from Symbols was absent when the tables were generated.
var Packages = []string{
	"github.com/notmagic/notmagic/lib/nn",
	"github.com/notmagic/notmagic/lib/nn/gemm",
	"github.com/notmagic/notmagic/plots",
	"github.com/notmagic/notmagic/kernel/display",
	"github.com/notmagic/notmagic/kernel/widgets",
	"github.com/notmagic/notmagic/lib/gpu",
}
