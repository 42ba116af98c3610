// offsets.go - the oracle for run-dwarf.sh: a Go program that prints, with
// unsafe.Offsetof/Sizeof and the addresses of its own globals, what goscope
// must read back from the DWARF of this same binary.
//
// Output lines (one fact each):
//   size TYPE N
//   field TYPE PATH OFFSET        (PATH may be nested: "in.b")
//   global NAME 0xADDR            (valid for a non-PIE build: link address)
//   func NAME PARAM...
package main

import (
	"fmt"
	"os"
	"unsafe"
)

type inner struct {
	a int8
	b int64
	c [3]uint16
}

type outer struct {
	flag  bool
	in    inner
	name  string
	list  []int
	ptr   *outer
	m     map[string]int
	iface interface{}
	tail  uint32
}

type pair struct {
	x, y float64
}

var (
	gOuter   outer
	gCounter int64 = 42
	gPairs   [4]pair
	gName    = "dwarf oracle"
)

//go:noinline
func addPair(p pair, scale float64, n int) float64 {
	return (p.x+p.y)*scale + float64(n)
}

func main() {
	var o outer
	fmt.Printf("size main.inner %d\n", unsafe.Sizeof(inner{}))
	fmt.Printf("size main.outer %d\n", unsafe.Sizeof(o))
	fmt.Printf("size main.pair %d\n", unsafe.Sizeof(pair{}))
	fmt.Printf("field main.inner a %d\n", unsafe.Offsetof(o.in.a))
	fmt.Printf("field main.inner b %d\n", unsafe.Offsetof(o.in.b))
	fmt.Printf("field main.inner c %d\n", unsafe.Offsetof(o.in.c))
	fmt.Printf("field main.outer flag %d\n", unsafe.Offsetof(o.flag))
	fmt.Printf("field main.outer in %d\n", unsafe.Offsetof(o.in))
	fmt.Printf("field main.outer name %d\n", unsafe.Offsetof(o.name))
	fmt.Printf("field main.outer list %d\n", unsafe.Offsetof(o.list))
	fmt.Printf("field main.outer ptr %d\n", unsafe.Offsetof(o.ptr))
	fmt.Printf("field main.outer m %d\n", unsafe.Offsetof(o.m))
	fmt.Printf("field main.outer iface %d\n", unsafe.Offsetof(o.iface))
	fmt.Printf("field main.outer tail %d\n", unsafe.Offsetof(o.tail))
	fmt.Printf("field main.outer in.b %d\n", unsafe.Offsetof(o.in)+unsafe.Offsetof(o.in.b))
	fmt.Printf("field main.outer in.c %d\n", unsafe.Offsetof(o.in)+unsafe.Offsetof(o.in.c))
	fmt.Printf("field main.pair y %d\n", unsafe.Offsetof(pair{}.y))
	fmt.Printf("global main.gOuter %p\n", &gOuter)
	fmt.Printf("global main.gCounter %p\n", &gCounter)
	fmt.Printf("global main.gPairs %p\n", &gPairs)
	fmt.Printf("global main.gName %p\n", &gName)
	fmt.Printf("func main.addPair p scale n\n")
	if len(os.Args) > 5 {
		fmt.Println(addPair(gPairs[0], 2, int(gCounter)), gName)
	}
}
