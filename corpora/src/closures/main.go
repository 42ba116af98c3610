// Command closures has nested closures, closures started as goroutines and
// deferred closures, so the binary holds functions named like main.main.func1,
// main.fanOut.func1.2 and main.fanOut.gowrap1 / deferwrap1 (Go 1.22+).
//
//	closures         print results computed by the closures
//	closures panic   panic from a closure nested two deep, inside a deferred
//	                 closure's recover-and-repanic, while goroutines block in
//	                 closures
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// counter returns a closure over n, which itself returns a closure.
func counter(start int) func(int) func() int {
	n := start
	return func(step int) func() int {
		return func() int {
			n += step
			return n
		}
	}
}

// compose nests closures three deep.
func compose(fs ...func(int) int) func(int) int {
	return func(x int) int {
		for i := len(fs) - 1; i >= 0; i-- {
			x = fs[i](x)
		}
		return x
	}
}

//go:noinline
func withDefer(x int) (result int) {
	defer func() {
		result *= 2
	}()
	defer func(v int) {
		result += v
	}(x)
	return x + 1
}

//go:noinline
func fanOut(n int) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	sum := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sq := func() int { return i * i }
			mu.Lock()
			sum += sq()
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	return sum
}

//go:noinline
func crash() {
	block := make(chan int)
	for i := 0; i < 3; i++ {
		go func(id int) {
			wait := func() { <-block }
			wait()
			fmt.Println(id)
		}(i)
	}
	time.Sleep(100 * time.Millisecond)
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("closures: repanic: %v", r))
		}
	}()
	outer := func(msg string) {
		inner := func() {
			panic(msg)
		}
		inner()
	}
	outer("boom")
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "panic" {
		crash()
	}
	next := counter(10)(3)
	a, b := next(), next()
	f := compose(func(x int) int { return x + 1 }, func(x int) int { return x * 3 })
	fmt.Println(a, b, f(4), withDefer(5), fanOut(10))
}
