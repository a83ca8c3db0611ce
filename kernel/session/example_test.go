package session_test

import (
	"context"
	"fmt"

	"github.com/notmagic/notmagic/kernel/session"
)

// discard is an Output that ignores streams and displays.
type discard struct{}

func (discard) Stream(name, text string)           {}
func (discard) Display(session.Display)            {}
func (discard) Clear(bool)                         {}
func (discard) Input(string, bool) (string, error) { return "", fmt.Errorf("no input") }

func ExampleSession_Execute() {
	s, err := session.New(session.Options{Direct: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	// Declarations and statements mix freely; nn, fmt, math… need no import.
	s.Execute(ctx, "func square(x float64) float64 { return x * x }\nr := 3.0", discard{})
	res, _ := s.Execute(ctx, "square(r) + math.Sqrt(16)", discard{})
	fmt.Println(res["text/plain"])
	// Errors point at the cell's own lines.
	_, err = s.Execute(ctx, "y := 1\nz := y + nope", discard{})
	fmt.Println(err)
	// Output:
	// 13
	// CompileError: cell[3]:2:10: undefined: nope
}
