// Command inline is built from small functions that the compiler inlines into
// each other, several levels deep, and into loops, so that one pc stands for a
// stack of inlined frames.
//
//	inline                 compute something with the inlined functions and
//	                       print the result
//	inline frames PC...    oracle mode: for each PC (hex, a link-time address
//	                       of this executable) print the frames that
//	                       runtime.CallersFrames gives for it, innermost first,
//	                       one line each, then a blank line:
//	                           0xPC FUNCTION FILE:LINE
//	                       A pc that no function covers prints "0xPC ? ?:0".
//	                       Before Go 1.23, CallersFrames does not expand the
//	                       inlined callers of a lone pc: there the outer
//	                       frames come from the executable's own DWARF
//	                       (DW_TAG_inlined_subroutine), and a stripped build
//	                       gives the innermost frame only (see frames_old.go).
//	inline panic           panic from the innermost inlined frame
//
// The oracle takes link-time addresses and adds the load bias it reads from
// /proc/self/maps, so it answers for PIE builds too.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

func add(a, b int) int { return a + b }

func mul(a, b int) int { return a * b }

func sq(x int) int { return mul(x, x) }

func poly(x int) int { return add(sq(x), add(mul(3, x), 7)) }

func clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

func mix(x, y int) int { return clamp(poly(x)^y, -1000003, 1000003) }

func step(acc, i int) int { return add(acc, mix(i, acc&0xff)) }

// trapOn arms check: with it, check panics on the trap value.
var (
	trap   int
	trapOn bool
)

var errTrap = errors.New("inline: reached the trap value")

func check(v int) int {
	if trapOn && v == trap {
		panic(errTrap)
	}
	return v
}

func rot(x int) int { return check(x<<3 | x>>5) }

func fold(x, y int) int { return rot(x ^ y) }

// compute loops over the inlined chain step -> mix -> clamp/poly -> sq/add/mul.
//
//go:noinline
func compute(n int) int {
	acc := 0
	for i := 0; i < n; i++ {
		acc = step(acc, i)
	}
	return acc
}

// hash inlines fold -> rot -> check into a loop; check panics when it meets
// the trap value, from three inlined frames deep.
//
//go:noinline
func hash(xs []int) int {
	h := 17
	for _, x := range xs {
		h = fold(h, x)
	}
	return h
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "frames":
			os.Exit(frames(os.Args[2:]))
		case "panic":
			trap = fold(17, 1)
			trapOn = true
			fmt.Println(hash([]int{1}))
			return
		default:
			fmt.Fprintln(os.Stderr, "usage: inline [frames PC... | panic]")
			os.Exit(2)
		}
	}
	xs := make([]int, 100)
	for i := range xs {
		xs[i] = compute(i)
	}
	fmt.Println(compute(1000), hash(xs))
}

// loadBias returns how far this executable was moved from its link-time
// addresses: the start of its first mapping minus the page-aligned link-time
// address of its first PT_LOAD segment, read from /proc/self/maps and the ELF
// header of /proc/self/exe. Non-PIE executables have bias 0.
func loadBias() uint64 {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	var start uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || fields[2] != "00000000" {
			continue
		}
		start, err = strconv.ParseUint(strings.SplitN(fields[0], "-", 2)[0], 16, 64)
		if err != nil {
			return 0
		}
		break
	}
	if start == 0 {
		return 0
	}
	vaddr := firstLoadVaddr("/proc/self/exe")
	return start - vaddr&^0xfff
}

// firstLoadVaddr reads the p_vaddr of the first PT_LOAD program header of a
// little-endian ELF64 file (all that goscope targets), or 0.
func firstLoadVaddr(path string) uint64 {
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 64 || string(data[:4]) != "\x7fELF" || data[4] != 2 {
		return 0
	}
	u16 := func(b []byte) uint64 { return uint64(b[0]) | uint64(b[1])<<8 }
	u64 := func(b []byte) uint64 {
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	phoff := u64(data[32:])
	phentsize := u16(data[54:])
	phnum := u16(data[56:])
	for i := uint64(0); i < phnum; i++ {
		off := phoff + i*phentsize
		if off+56 > uint64(len(data)) {
			break
		}
		ph := data[off:]
		if ph[0] == 1 && ph[1] == 0 && ph[2] == 0 && ph[3] == 0 { // PT_LOAD
			return u64(ph[16:])
		}
	}
	return 0
}

// frames prints the oracle answer for each pc in args.
func frames(args []string) int {
	bias := loadBias()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	status := 0
	for _, arg := range args {
		text := strings.ToLower(arg)
		if !strings.HasPrefix(text, "0x") {
			text = "0x" + text
		}
		pc, err := strconv.ParseUint(text[2:], 16, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "inline: bad pc %q\n", arg)
			status = 2
			continue
		}
		fs := inlineFrames(pc, bias)
		for _, f := range fs {
			fmt.Fprintf(out, "%s %s %s:%d\n", text, f.Function, f.File, f.Line)
		}
		if len(fs) == 0 {
			fmt.Fprintf(out, "%s ? ?:0\n", text)
		}
		fmt.Fprintln(out)
	}
	return status
}

// callersFrames returns what runtime.CallersFrames says about the
// instruction at pc (a run-time address), innermost first. Its input is a
// list of return addresses, of which it looks up pc-1, so it is given pc+1.
// The 0 after it makes Go 1.23 and later expand the inlined callers of a
// lone pc (they do so only when the list goes on: runtime/symtab.go); it
// matches no function and adds no frame.
func callersFrames(pc uint64) []runtime.Frame {
	var out []runtime.Frame
	fs := runtime.CallersFrames([]uintptr{uintptr(pc + 1), 0})
	for {
		f, more := fs.Next()
		if f.Function != "" || f.File != "" {
			out = append(out, f)
		}
		if !more {
			break
		}
	}
	return out
}
