//go:build go1.23

package main

import "runtime"

// inlineFrames: from Go 1.23 on, CallersFrames expands the inlined callers of
// a lone pc itself.
func inlineFrames(pc, bias uint64) []runtime.Frame {
	return callersFrames(pc + bias)
}
