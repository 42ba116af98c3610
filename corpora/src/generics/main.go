// Command generics instantiates generic functions and types with several
// type arguments, so the binary holds shape-instantiated functions such as
// main.Map[go.shape.int,go.shape.string] and dictionaries for them.
//
//	generics         print results computed by the generic code
//	generics panic   panic inside a generic method reached from a generic
//	                 function, while goroutines block in other instantiations
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type Number interface {
	~int | ~int64 | ~float64
}

// Map, Filter and Reduce are generic functions.

//go:noinline
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

//go:noinline
func Filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

//go:noinline
func Reduce[T, A any](xs []T, acc A, f func(A, T) A) A {
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

//go:noinline
func Sum[T Number](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

// Stack is a generic type with pointer-receiver methods.
type Stack[T any] struct {
	items []T
}

//go:noinline
func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

//go:noinline
func (s *Stack[T]) Pop() (T, bool) {
	var zero T
	if len(s.items) == 0 {
		return zero, false
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, true
}

// MustPop panics on an empty stack.
//
//go:noinline
func (s *Stack[T]) MustPop() T {
	v, ok := s.Pop()
	if !ok {
		panic(fmt.Sprintf("generics: pop from empty %T", s))
	}
	return v
}

// Pair is a generic type with two type parameters and a value receiver.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

//go:noinline
func (p Pair[K, V]) String() string { return fmt.Sprintf("%v=%v", p.Key, p.Val) }

// Index builds a map from a slice of pairs.
//
//go:noinline
func Index[K comparable, V any](ps []Pair[K, V]) map[K]V {
	m := make(map[K]V, len(ps))
	for _, p := range ps {
		m[p.Key] = p.Val
	}
	return m
}

// Drain pops everything and then once more, which panics.
//
//go:noinline
func Drain[T any](s *Stack[T], extra bool) []T {
	var out []T
	for len(s.items) > 0 {
		out = append(out, s.MustPop())
	}
	if extra {
		out = append(out, s.MustPop())
	}
	return out
}

// Wait blocks a goroutine inside a generic function.
//
//go:noinline
func Wait[T any](ch chan T) T { return <-ch }

type point struct{ x, y int }

func main() {
	ints := []int{5, 3, 8, 1, 9, 2}
	strs := Map(ints, strconv.Itoa)
	floats := Map(ints, func(i int) float64 { return float64(i) / 2 })
	big := Filter(ints, func(i int) bool { return i > 4 })
	words := Filter([]string{"go", "scope", "core", "stub"}, func(s string) bool { return len(s) > 2 })
	joined := Reduce(strs, "", func(a string, s string) string { return a + s })
	total := Reduce(ints, int64(0), func(a int64, i int) int64 { return a + int64(i) })
	pts := Map(ints, func(i int) *point { return &point{i, -i} })

	var si Stack[int]
	var ss Stack[string]
	var sp Stack[*point]
	for i, x := range ints {
		si.Push(x)
		ss.Push(strs[i])
		sp.Push(pts[i])
	}
	idx := Index([]Pair[string, int]{{"a", 1}, {"b", 2}})
	pair := Pair[int, []string]{Key: 7, Val: words}

	if len(os.Args) > 1 && os.Args[1] == "panic" {
		go Wait(make(chan int))
		go Wait(make(chan string))
		go Wait(make(chan *point))
		time.Sleep(100 * time.Millisecond)
		Drain(&ss, true)
	}

	fmt.Println(strings.Join(strs, ","), floats, big, words, joined, total)
	fmt.Println(Sum(ints), Sum(floats), Sum([]int64{1, 2, 3}))
	fmt.Println(Drain(&si, false), Drain(&ss, false), len(Drain(&sp, false)))
	fmt.Println(idx["a"]+idx["b"], pair.String(), Pair[string, float64]{"pi", 3.14})
}
