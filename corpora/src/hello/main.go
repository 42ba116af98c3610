// Command hello is the smallest corpus program: it prints hello and exits.
package main

import "fmt"

func main() {
	fmt.Println("hello")
}
