// Command many parks N goroutines (default 10000) in four identical states,
// a quarter each, started in batches so their ids form four runs:
//
//	main.recvWorker   chan receive  (two frames of main above the runtime)
//	main.lockWorker   sync.Mutex.Lock
//	main.selectWorker select on two channels
//	main.sleepWorker  time.Sleep
//
// then crashes:
//
//	many [N] [panic|abort]
//
// panic (the default) panics in main.main: under GOTRACEBACK=crash the
// runtime prints every goroutine and dumps core.  abort resets SIGABRT to
// its default action and sends it to itself, so the kernel dumps core
// without the runtime printing anything (a core with 100k goroutines in a
// second instead of a 100 MB traceback).  Run with `ulimit -c unlimited`.
//
// It must build with Go 1.19.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var ready sync.WaitGroup

//go:noinline
func recvInner(ch chan int) int {
	ready.Done()
	return <-ch
}

//go:noinline
func recvWorker(ch chan int) {
	recvInner(ch)
}

//go:noinline
func lockWorker(mu *sync.Mutex) {
	ready.Done()
	mu.Lock()
}

//go:noinline
func selectWorker(a chan int, b chan string) {
	ready.Done()
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func sleepWorker() {
	ready.Done()
	time.Sleep(time.Hour)
}

// kernelSigaction is the kernel's struct sigaction on amd64 and arm64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// abort dies of SIGABRT with the default action: the kernel writes the core.
func abort() {
	var sa kernelSigaction // SIG_DFL
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGABRT),
		uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGABRT)
	time.Sleep(time.Second)
	os.Exit(3)
}

func main() {
	n, mode := 10000, "panic"
	for _, a := range os.Args[1:] {
		if v, err := strconv.Atoi(a); err == nil && v >= 0 {
			n = v
		} else {
			mode = a
		}
	}
	ch := make(chan int)
	a, b := make(chan int), make(chan string)
	mu := new(sync.Mutex)
	mu.Lock()
	quarter := n / 4
	for k := 0; k < 4; k++ {
		count := quarter
		if k == 3 {
			count = n - 3*quarter
		}
		ready.Add(count)
		for i := 0; i < count; i++ {
			switch k {
			case 0:
				go recvWorker(ch)
			case 1:
				go lockWorker(mu)
			case 2:
				go selectWorker(a, b)
			case 3:
				go sleepWorker()
			}
		}
	}
	ready.Wait()
	// Done() comes just before each blocks; give the last ones time to park.
	time.Sleep(200*time.Millisecond + time.Duration(n)*time.Microsecond)
	fmt.Fprintf(os.Stderr, "many: %d goroutines parked\n", n)
	switch mode {
	case "abort":
		abort()
	default:
		panic("many goroutines")
	}
}
