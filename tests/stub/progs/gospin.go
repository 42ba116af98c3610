// gospin: busy goroutines long enough for many SIGURG preemptions, then exit 0.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

//go:noinline
func spin(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i ^ (s >> 3)
	}
	return s
}

func main() {
	runtime.GOMAXPROCS(4)
	deadline := time.Now().Add(700 * time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				v := spin(1 << 16)
				buf := make([]byte, 4096)
				buf[0] = byte(v)
				mu.Lock()
				total += int(buf[0])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("gospin done", total >= 0)
	os.Exit(0)
}
