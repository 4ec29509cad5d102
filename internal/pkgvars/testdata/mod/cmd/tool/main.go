package main

import (
	"fmt"

	l "example.com/mod/lib"
)

func main() {
	l.Setting = 2
	fmt.Println(l.Table[0])
}
