package cli

import (
	"fmt"

	"github.com/notmagic/notmagic/plots"
)

// galleryCmd is `notmagic gallery [DIR]`: it writes one example of every plot kind (PNG and SVG) to DIR
// (default "gallery") and prints their paths.
func galleryCmd(s Streams, args []string) error {
	fs := newFlags(s, "gallery", "usage: notmagic gallery [DIR]\n\nWrites one example of every plot kind (PNG and SVG) to DIR (default \"gallery\").")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return fmt.Errorf("want at most one directory, got %d arguments", fs.NArg())
	}
	dir := "gallery"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	paths, err := plots.Gallery(dir)
	for _, p := range paths {
		fmt.Fprintln(s.Out, p)
	}
	return err
}
