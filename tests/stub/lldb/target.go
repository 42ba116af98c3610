// target.go - the Go program tests/run-lldb-*.sh debug through gostub. Two
// goroutines spin, so the runtime preempts them with SIGURG many times a
// second while the debugger continues; the program counts the SIGURGs it sees
// (signal.Notify gets them too) and writes the count to the file named by its
// first argument just before it exits with code 3.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Read back byte for byte with `memory read`.
var magic = [16]byte{
	0x47, 0x4f, 0x53, 0x43, 0x4f, 0x50, 0x45, 0x21,
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67,
}

var counter int64 = 5

//go:noinline
func hit(x int) int { return x + int(magic[0]) }

//go:noinline
func byAddress(x int) int { return x * 2 }

func spin(stop *atomic.Bool, n *atomic.Int64) {
	for !stop.Load() {
		n.Add(1)
	}
}

func main() {
	var urgs, spins atomic.Int64
	var stop atomic.Bool
	c := make(chan os.Signal, 1024)
	signal.Notify(c, syscall.SIGURG)
	go func() {
		for range c {
			urgs.Add(1)
		}
	}()
	go spin(&stop, &spins)
	go spin(&stop, &spins)
	time.Sleep(300 * time.Millisecond)
	r := hit(1)
	time.Sleep(300 * time.Millisecond)
	counter = counter*3 + 1
	r += byAddress(r)
	stop.Store(true)
	if len(os.Args) > 1 {
		out := fmt.Sprintf("urgs=%d r=%d counter=%d\n", urgs.Load(), r, counter)
		os.WriteFile(os.Args[1], []byte(out), 0o644)
	}
	os.Exit(3)
}
