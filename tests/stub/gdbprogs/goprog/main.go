// Command goprog is the Go target of tests/run-gdb-remote.sh: the same
// scenario as ../cprog.c. work() is called once the thread named
// "goblocker" is blocked in read(2); main then waits for SIGUSR1, writes
// "7" to DIR/exit and exits 7.
//
//	goprog DIR
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

var gCounter = 5
var gWatch int
var gBytes = [16]byte{
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
}

// The main goroutine stays on the main thread: gdb's thread 1.
func init() { runtime.LockOSThread() }

//go:noinline
func work(a, b int) int {
	local := a * b
	sum := 0
	gWatch = local + 1
	for i := 0; i < 40; i++ {
		sum += i * local
	}
	gCounter++
	return sum + local
}

// blocker names its own OS thread "goblocker" and blocks it in read(2).
func blocker(fd int, tid chan<- int) {
	runtime.LockOSThread()
	name := []byte("goblocker\x00")
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0)
	tid <- syscall.Gettid()
	var b [1]byte
	syscall.Read(fd, b[:])
}

// inRead reports whether thread tid is in read(2) (syscall number 0).
func inRead(tid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/syscall", tid))
	return err == nil && strings.HasPrefix(string(b), "0 ")
}

func note(dir, name string, n int) {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("%d\n", n)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goprog DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	note(dir, "pid", os.Getpid())
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		os.Exit(3)
	}
	tids := make(chan int)
	go blocker(p[0], tids)
	tid := <-tids
	for !inRead(tid) {
		time.Sleep(time.Millisecond)
	}

	r := work(6, 7)
	fmt.Printf("work=%d counter=%d watch=%d bytes=%x\n", r, gCounter, gWatch, gBytes[:])
	<-usr1
	note(dir, "exit", 7)
	os.Exit(7)
}
