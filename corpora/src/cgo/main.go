//go:build cgo

// Command cgo mixes Go and C frames: a goroutine sleeps inside a C function,
// and main calls into C, which calls back into Go.
//
//	cgo         call C, which calls back into Go; print the result
//	cgo panic   panic inside the Go callback, under the C frame, while
//	            another goroutine sleeps in C (state "syscall")
//
// Built only with CGO_ENABLED=1 and a C compiler (amd64 only in build.sh).
package main

/*
#include <unistd.h>

extern int goCallback(int);

static int c_calls_go(int x) {
	return goCallback(x * 2) + 1;
}

static void c_sleep(unsigned seconds) {
	sleep(seconds);
}
*/
import "C"

import (
	"fmt"
	"os"
	"time"
)

var crash bool

//export goCallback
//go:noinline
func goCallback(x C.int) C.int {
	if crash {
		panic(fmt.Sprintf("cgo: boom in callback(%d)", int(x)))
	}
	return x + 40
}

//go:noinline
func sleepInC() {
	C.c_sleep(3600)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "panic" {
		crash = true
		go sleepInC()
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Println(int(C.c_calls_go(C.int(1))))
}
