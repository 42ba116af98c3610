// goexec: four goroutines each run /bin/sh three times through os/exec
// (clone with CLONE_VFORK|CLONE_VM, the child running Go code until its
// exec) and call main.work between; exits 0 when every child's exit code
// was the one asked for, 1 when one was not (a child killed by a SIGTRAP
// from a breakpoint left in its memory).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

var hits int

//go:noinline
func work(i int) { hits += i }

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				mu.Lock()
				work(i)
				mu.Unlock()
				err := exec.Command("/bin/sh", "-c", fmt.Sprintf("exit %d", g+i)).Run()
				code := 0
				if e, ok := err.(*exec.ExitError); ok {
					code = e.ExitCode()
				} else if err != nil {
					code = -1
				}
				if code != g+i {
					fmt.Println("child", g, i, "ended with", code, err)
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	if bad > 0 {
		os.Exit(1)
	}
}
