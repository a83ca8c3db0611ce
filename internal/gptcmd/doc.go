// Package gptcmd implements notmagic's GPT subcommands: train (a GPT on any text file, or on the
// Go source tree by default), sample (text from a checkpoint) and bench (bench gpt runs
// shared/bench/RECIPE.md exactly as torch_gpt.py does and prints the same JSON lines).
//
// Each entry point takes the arguments after the subcommand's name and returns an error for main
// to print; flags accept one or two dashes (--iters or -iters).
package gptcmd
