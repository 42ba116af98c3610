// gowatch: main.watched written once (by main.write) after a goroutine has
// run and three SIGURGs were sent to the process; exits 0.  Kept short: every
// instruction from main.ready on is single-stepped by the emulated watchpoint.
package main

import (
	"os"
	"syscall"
)

var watched int64

//go:noinline
func ready() {}

//go:noinline
func write(v int64) { watched = v }

func main() {
	done := make(chan bool)
	go func() {
		done <- true
	}()
	ready()
	<-done
	for i := 0; i < 3; i++ {
		syscall.Kill(os.Getpid(), syscall.SIGURG)
	}
	write(42)
	os.Exit(0)
}
