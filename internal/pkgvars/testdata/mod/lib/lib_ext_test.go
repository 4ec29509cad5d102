package lib_test

import "example.com/mod/lib"

func set() { lib.Other = 2 }
