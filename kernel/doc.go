// Package kernel holds notmagic's interpreter session and the faces it shows; it has no code of its own.
//
// The heart is kernel/session: one yaegi interpreter with the cells' state, which preprocesses cells,
// captures output, interrupts, completes and inspects. Around it:
//
//	kernel/jupyter   the Jupyter face: the wire protocol over ZeroMQ, `notmagic kernel` and `notmagic install`
//	kernel/repl      the terminal REPL (`notmagic repl`)
//	kernel/runner    lessons and Go files as scripts (`notmagic run`)
//	kernel/notebook  lessons → notebooks, executed through the session (`notmagic notebook`)
//	kernel/terminal  how the REPL and the runner print a cell's output
//	kernel/lesson    the percent format of lessons/
//	kernel/display   the display API that cells call (Markdown, HTML, images, live updates)
//	kernel/symbols   the generated yaegi symbol tables that let cells import lib/nn, plots and display
package kernel
